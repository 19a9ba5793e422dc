"""Finding and running PostgreSQL's client tools: pg_dump, pg_restore and psql.

A client older than the server refuses to dump it, so the one on PATH is used only if it is new
enough; otherwise one of Debian's side-by-side installations (/usr/lib/postgresql/N/bin) is.
"""

import os
import re
import shutil
import subprocess
from glob import glob

from upwatch.backups.errors import BackupError
from upwatch.backups.postgres_connection import PostgresTarget

_VERSION = re.compile(r"\(PostgreSQL\) (\d+)")
_DEBIAN_CLIENTS = "/usr/lib/postgresql/*/bin"


def find_client_tool(name: str, server_major: int) -> str:
    """The client tool ``name`` at least as new as the server."""
    on_path = shutil.which(name)
    candidates = [on_path] if on_path else []
    candidates += sorted(glob(f"{_DEBIAN_CLIENTS}/{name}"), key=_version_in_path)
    seen = []
    for candidate in candidates:
        major = _tool_major_version(candidate)
        seen.append(f"{candidate} ({major or 'unknown version'})")
        if major is not None and major >= server_major:
            return candidate
    found = "; found " + ", ".join(seen) if seen else ""
    raise BackupError(
        f"{name} {server_major} or newer is needed for PostgreSQL {server_major} "
        f"(install postgresql-client-{server_major}){found}"
    )


def _version_in_path(path: str) -> int:
    match = re.search(r"/postgresql/(\d+)/", path)
    return int(match[1]) if match else 0


def _tool_major_version(tool: str) -> int | None:
    try:
        answer = subprocess.run(  # noqa: S603 - a PostgreSQL client tool found above
            [tool, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    match = _VERSION.search(answer.stdout)
    return int(match[1]) if match else None


def run_client(target: PostgresTarget, command: list[str], *, failure: str) -> str:
    try:
        answer = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            command,
            env=client_environment(target),
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise BackupError(f"{failure}: {exc}") from exc
    if answer.returncode != 0:
        raise BackupError(f"{failure}: {answer.stderr.strip() or f'exit {answer.returncode}'}")
    return answer.stdout


def client_environment(target: PostgresTarget) -> dict[str, str]:
    """PATH, locale and the like from ours, and the target's PG* variables (no other PG* one,
    which could redirect the tool)."""
    inherited = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    return inherited | target.environment()
