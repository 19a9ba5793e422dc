"""PostgreSQL backups in pg_dump's custom format, restored through pg_restore and psql."""

import shutil
import subprocess
import tempfile
from contextlib import suppress
from itertools import pairwise
from pathlib import Path
from typing import IO

from upwatch.backups.errors import BackupError
from upwatch.backups.postgres_clients import client_environment, find_client_tool, run_client
from upwatch.backups.postgres_connection import PostgresTarget, server_major_version

PG_DUMP_MAGIC = b"PGDMP"


def dump_postgres(target: PostgresTarget, output: Path) -> None:
    tool = find_client_tool("pg_dump", server_major_version(target))
    run_client(
        target,
        [tool, "--format=custom", "--no-password", "--lock-wait-timeout=60s", f"--file={output}"],
        failure=f"pg_dump of the {target} failed",
    )


def restore_postgres(target: PostgresTarget, backup: Path) -> None:
    """Replace the database's contents with the dump's, in one transaction: all or nothing.

    ``pg_restore --clean`` cannot drop the primary keys of attached partitions ("cannot drop
    inherited constraint"), so the schemas the dump fills are dropped whole instead, in the
    same transaction as the restore: pg_restore writes SQL and psql runs it between our BEGIN
    and a COMMIT sent only once pg_restore has succeeded. If anything stops before that, psql's
    input ends without a COMMIT and PostgreSQL rolls everything back.
    """
    major = server_major_version(target)
    pg_restore = find_client_tool("pg_restore", major)
    psql = find_client_tool("psql", major)
    failure = f"restoring {backup.name} into the {target} failed"
    env = client_environment(target)
    preamble = _preamble(_schemas_in_dump(pg_restore, backup, target, failure=failure))
    with tempfile.TemporaryFile() as restore_errors, tempfile.TemporaryFile() as psql_errors:
        try:
            runner = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
                [psql, "--no-psqlrc", "--quiet", "--no-password", "--set=ON_ERROR_STOP=1"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=psql_errors,
                env=env,
            )
            script = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
                [pg_restore, "--no-owner", "--no-privileges", "--file=-", str(backup)],
                stdout=subprocess.PIPE,
                stderr=restore_errors,
                env=env,
            )
        except OSError as exc:
            raise BackupError(f"{failure}: {exc}") from exc
        assert runner.stdin is not None
        assert script.stdout is not None
        with suppress(BrokenPipeError):  # psql stopped at an error: its message says which
            runner.stdin.write(preamble.encode())
            shutil.copyfileobj(script.stdout, runner.stdin, 2**20)
        script.stdout.close()
        restored = script.wait() == 0
        with suppress(BrokenPipeError):
            if restored:
                runner.stdin.write(b"COMMIT;\n")
            runner.stdin.close()
        if not restored:
            runner.wait()
            raise BackupError(f"{failure}: {_read(restore_errors)}")
        if runner.wait() != 0:
            raise BackupError(f"{failure}: {_read(psql_errors)}")


def postgres_backup_revision(target: PostgresTarget, backup: Path) -> str | None:
    """The schema revision the dump was made at; ``None`` when it holds no Upwatch schema."""
    pg_restore = find_client_tool("pg_restore", server_major_version(target))
    script = run_client(
        target,
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(backup)],
        failure=f"cannot read {backup}",
    )
    # The table's data as pg_restore writes it: "COPY public.alembic_version (version_num) FROM
    # stdin;", then one line per row, then "\.".
    for line, following in pairwise(script.splitlines()):
        if line.startswith("COPY ") and ".alembic_version " in line and following != "\\.":
            return following
    return None


def _preamble(schemas: list[str]) -> str:
    drops = "".join(
        f"DROP SCHEMA IF EXISTS {_quote(name)} CASCADE;\n" for name in [*schemas, "public"]
    )
    # public as PostgreSQL makes it: everyone may use it (since 15, only its owner creates in it).
    return (
        "SET client_min_messages = warning;\nBEGIN;\n"
        f"{drops}CREATE SCHEMA public;\nGRANT USAGE ON SCHEMA public TO PUBLIC;\n"
    )


def _schemas_in_dump(
    pg_restore: str, backup: Path, target: PostgresTarget, *, failure: str
) -> list[str]:
    listing = run_client(target, [pg_restore, "--list", str(backup)], failure=failure)
    # A table of contents line: "6; 2615 18223 SCHEMA - check_result_partitions postgres".
    return [
        line.split()[5]
        for line in listing.splitlines()
        if not line.startswith(";") and len(line.split()) > 5 and line.split()[3] == "SCHEMA"
    ]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _read(file: IO[bytes]) -> str:
    file.seek(0)
    return file.read().decode(errors="replace").strip() or "no message"
