"""Where the configured PostgreSQL database is, for the client tools and for quick questions.

The tools get the connection in libpq's PG* environment variables, so the password never shows
in a process list.
"""

import asyncio
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

from upwatch.backups.errors import BackupError


@dataclass(frozen=True, slots=True)
class PostgresTarget:
    host: str
    port: int
    user: str
    password: str | None
    database: str
    sslmode: str | None

    def environment(self) -> dict[str, str]:
        env = {
            "PGHOST": self.host,
            "PGPORT": str(self.port),
            "PGUSER": self.user,
            "PGDATABASE": self.database,
            "PGCONNECT_TIMEOUT": "10",
        }
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        if self.sslmode is not None:
            env["PGSSLMODE"] = self.sslmode
        return env

    def __str__(self) -> str:
        return f"PostgreSQL database {self.database!r} on {self.host}:{self.port}"


def postgres_target(async_url: str) -> PostgresTarget:
    """Connection details from the URL Settings hand to SQLAlchemy (``postgresql+asyncpg://``)."""
    url = make_url(async_url)
    ssl = url.query.get("ssl")
    return PostgresTarget(
        host=url.host or "localhost",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password if isinstance(url.password, str) else None,
        database=url.database or "postgres",
        sslmode=str(ssl) if ssl else None,
    )


def server_major_version(target: PostgresTarget) -> int:
    async def ask() -> int:
        connection = await _connect(target)
        try:
            return int(connection.get_server_version().major)
        finally:
            await connection.close()

    return asyncio.run(ask())


def count_postgres_monitors(target: PostgresTarget) -> int:
    """Monitors in the database; 0 when the schema is not there yet."""

    async def count() -> int:
        connection = await _connect(target)
        try:
            if await connection.fetchval("SELECT to_regclass('monitors')") is None:
                return 0
            return int(await connection.fetchval("SELECT count(*) FROM monitors"))
        except asyncpg.PostgresError as exc:  # a role that may connect but not read, say
            raise BackupError(f"cannot count the monitors in the {target}: {exc}") from exc
        finally:
            await connection.close()

    return asyncio.run(count())


async def _connect(target: PostgresTarget) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(
            host=target.host,
            port=target.port,
            user=target.user,
            password=target.password,
            database=target.database,
            ssl=target.sslmode,
            timeout=10,
        )
    except (OSError, asyncpg.PostgresError) as exc:
        raise BackupError(f"cannot connect to the {target}: {exc}") from exc
