"""PostgreSQL databases and a Redis of the benchmark's own; Upwatch processes on them."""

import os
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from bench.lib.proc import UPWATCH, Processes, free_port, run, wait_http, wait_port
from bench.lib.sampling import Role, title

POSTGRES_ADMIN_URL = os.environ.get(
    "UPWATCH_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _admin(sql: str) -> None:
    run(["psql", POSTGRES_ADMIN_URL, "-v", "ON_ERROR_STOP=1", "-qc", sql])


@contextmanager
def postgres_database(label: str) -> Iterator[str]:
    """A database of its own on the shared server, dropped afterwards; a plain postgresql:// URL."""
    name = f"upwatch_bench_{label}_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# A backend's title names its user, database and client: "postgres: [cluster: ]user database
# host(port) state", or "[local]" for the client. The server's own processes (checkpointer, WAL
# writer, ...) name no client.
_BACKEND = re.compile(r"postgres: (?:\S+: )?\S+ (?P<database>\S+) (?:\S+\(\d+\)|\[local\])")


def postgres_role(database_url: str) -> Role:
    """PostgreSQL's processes that work for this database: its backends and the server's shared
    ones, not the backends of other databases on the same server."""
    database = urlsplit(database_url).path.lstrip("/")

    def serves_this_database(pid: int) -> bool:
        backend = _BACKEND.match(title(pid))
        return backend is None or backend["database"] == database

    return Role("postgres (this database)", named="postgres", only=serves_this_database)


def start_redis(processes: Processes, work: Path) -> str:
    """A Redis server of the benchmark's own (no snapshots), so no test run shares its queues."""
    port = free_port()
    directory = work / "redis"
    directory.mkdir(exist_ok=True)
    processes.start(
        "redis",
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
    )
    wait_port(port)
    return f"redis://127.0.0.1:{port}/0"


def upwatch_env(work: Path, *, database_url: str | None = None, **settings: str) -> dict[str, str]:
    """Environment for Upwatch processes: a data dir in ``work``, JSON logs, ``settings`` as
    ``UPWATCH_<NAME>`` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPWATCH_")}
    env.update(
        UPWATCH_DATA_DIR=str(work / "data"),
        UPWATCH_LOG_FORMAT="json",
        UPWATCH_SECRET_KEY="bench-secret-key-bench-secret-key-0123456789",  # noqa: S106 - throwaway
    )
    if database_url:
        env["UPWATCH_DATABASE_URL"] = database_url
    env.update({f"UPWATCH_{name.upper()}": value for name, value in settings.items()})
    return env


def sqlite_url(work: Path) -> str:
    return f"sqlite+aiosqlite:///{work / 'data' / 'upwatch.db'}"


def migrate(env: Mapping[str, str]) -> None:
    run([*UPWATCH, "db", "upgrade"], env=env, timeout=300)


def create_token(env: Mapping[str, str]) -> str:
    return run([*UPWATCH, "token", "create", "--name", "bench"], env=env).strip().splitlines()[-1]


def start_serve(processes: Processes, env: Mapping[str, str], name: str = "serve") -> str:
    port = free_port()
    processes.start(name, [*UPWATCH, "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/ready", processes=processes, timeout=120)
    return base


def start_fleet(
    processes: Processes, env: Mapping[str, str], *, schedulers: int = 2, workers: int = 2
) -> str:
    """api + schedulers + workers (each worker one process), as Procfile.fleet starts them."""
    port = free_port()
    processes.start("api", [*UPWATCH, "api", "--port", str(port)], env=env)
    for n in range(1, schedulers + 1):
        processes.start(f"scheduler-{n}", [*UPWATCH, "scheduler"], env=env)
    for n in range(1, workers + 1):
        processes.start(f"worker-{n}", [*UPWATCH, "worker", "--concurrency", "1"], env=env)
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/health", processes=processes, timeout=120)
    return base
