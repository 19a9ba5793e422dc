"""Backup file names: a UTC timestamp and the engine, so rotation can tell its own files apart.

``upwatch-20261123T031500Z-postgresql.dump`` (pg_dump's custom format) or
``upwatch-20261123T031500Z-sqlite.db`` (an SQLite database file). Anything else in a backup
folder or prefix is not ours and is never touched.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Engine(StrEnum):
    POSTGRESQL = "postgresql"
    SQLITE = "sqlite"


_EXTENSIONS = {Engine.POSTGRESQL: "dump", Engine.SQLITE: "db"}
_STAMP = "%Y%m%dT%H%M%SZ"
_PATTERN = re.compile(
    r"^upwatch-(?P<stamp>\d{8}T\d{6}Z)-(?P<engine>postgresql|sqlite)\.(?P<ext>\w+)$"
)


@dataclass(frozen=True, slots=True, order=True)
class BackupName:
    taken_at: datetime
    name: str
    engine: Engine


def backup_name(engine: Engine, at: datetime) -> str:
    return f"upwatch-{at.astimezone(UTC).strftime(_STAMP)}-{engine}.{_EXTENSIONS[engine]}"


def parse_backup_name(name: str) -> BackupName | None:
    """The backup a name stands for, or ``None`` when this tool did not make it."""
    match = _PATTERN.match(name)
    if match is None:
        return None
    engine = Engine(match["engine"])
    if match["ext"] != _EXTENSIONS[engine]:
        return None
    taken_at = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
    return BackupName(taken_at=taken_at, name=name, engine=engine)


def newest_first(names: list[str]) -> list[BackupName]:
    """This tool's backups among ``names``, newest first; other names are left out."""
    parsed = (parse_backup_name(name) for name in names)
    return sorted((backup for backup in parsed if backup is not None), reverse=True)


def beyond_keep(names: list[str], *, keep: int, made: str) -> list[str]:
    """Backups to delete so that the newest ``keep`` remain; never ``made``, the one just made."""
    backups = [backup.name for backup in newest_first(names)]
    return [name for name in backups[keep:] if name != made]
