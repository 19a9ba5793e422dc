"""Which PostgreSQL processes a benchmark counts as working for its database."""

import asyncpg
from bench.lib.services import postgres_role

SERVER = "postgresql://postgres@127.0.0.1:5432"


async def test_the_role_counts_its_databases_backends_and_the_servers_own_not_others() -> None:
    connection = await asyncpg.connect(f"{SERVER}/test")
    try:
        backend = await connection.fetchval("SELECT pg_backend_pid()")
        ours = postgres_role(f"{SERVER}/test").pids()
        others = postgres_role(f"{SERVER}/postgres").pids()
    finally:
        await connection.close()

    assert backend in ours
    assert backend not in others
    # The postmaster, checkpointer, WAL writer...: shared by every database on the server.
    shared = set(ours) & set(others)
    assert shared
    assert backend not in shared
