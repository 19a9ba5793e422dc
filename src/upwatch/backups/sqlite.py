"""SQLite through its online backup API: a consistent copy while `serve` keeps writing."""

import sqlite3
from contextlib import closing
from pathlib import Path

from upwatch.backups.errors import BackupError

SQLITE_MAGIC = b"SQLite format 3\x00"


def backup_sqlite(database: Path, target: Path) -> None:
    """Copy the live database at ``database`` into the new file ``target``."""
    if not database.is_file():
        raise BackupError(f"no SQLite database at {database}")
    try:
        with (
            _read_only(database) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
            # A self-contained file: no -wal or -shm beside the backup when it is opened later.
            copy.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {database} failed: {exc}") from exc


def restore_sqlite(backup: Path, database: Path) -> None:
    """Replace the contents of ``database`` with the backup, page by page, in one transaction."""
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        with (
            _read_only(backup) as source,
            closing(sqlite3.connect(database, timeout=30)) as live,
        ):
            source.backup(live)
    except (sqlite3.Error, OSError) as exc:
        raise BackupError(f"restoring {backup} into {database} failed: {exc}") from exc


def sqlite_backup_revision(backup: Path) -> str | None:
    """The schema revision the backup was made at; ``None`` when it holds no Upwatch schema."""
    try:
        with _read_only(backup) as db:
            row = (
                db.execute("SELECT version_num FROM alembic_version").fetchone()
                if _has_table(db, "alembic_version")
                else None
            )
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read {backup}: {exc}") from exc
    return str(row[0]) if row else None


def count_sqlite_monitors(database: Path) -> int:
    """Monitors in the database; 0 when there is no database or no schema yet."""
    if not database.is_file():
        return 0
    try:
        with _read_only(database) as db:
            if not _has_table(db, "monitors"):
                return 0
            return int(db.execute("SELECT count(*) FROM monitors").fetchone()[0])
    except sqlite3.Error as exc:
        # A damaged database is when a restore is wanted most, but the backup API cannot write
        # over a file that is not a database: say how to get past it.
        raise BackupError(
            f"cannot read the SQLite database {database}: {exc}; move it (and any -wal and "
            "-shm files beside it) aside, then restore again"
        ) from exc


def _read_only(database: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True))


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return found is not None
