"""`upwatch backup` and `upwatch restore`: the configured database to a store and back."""

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from upwatch.backups.errors import BackupError
from upwatch.backups.naming import Engine, backup_name, beyond_keep, newest_first, parse_backup_name
from upwatch.backups.postgres import (
    PG_DUMP_MAGIC,
    dump_postgres,
    postgres_backup_revision,
    restore_postgres,
)
from upwatch.backups.postgres_connection import (
    PostgresTarget,
    count_postgres_monitors,
    postgres_target,
)
from upwatch.backups.sqlite import (
    SQLITE_MAGIC,
    backup_sqlite,
    count_sqlite_monitors,
    restore_sqlite,
    sqlite_backup_revision,
)
from upwatch.backups.stores import BackupStore, open_store
from upwatch.store.migrate import alembic_config


@dataclass(frozen=True, slots=True)
class BackupMade:
    location: str
    removed: list[str]


@dataclass(frozen=True, slots=True)
class Restored:
    source: str
    target: str


class RestoreRefusedError(BackupError):
    """The target database holds monitors and the caller did not say to replace them."""


def create_backup(
    *, database_url: str, destination: str, keep: int, now: datetime, s3_endpoint_url: str | None
) -> BackupMade:
    """Back the database up into ``destination``, then keep only the newest ``keep`` backups.

    On failure nothing is left under the backup's name and no old backup is removed.
    """
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    store = open_store(destination, s3_endpoint_url=s3_endpoint_url)
    engine, target = _target(database_url)
    name = backup_name(engine, now)
    with tempfile.TemporaryDirectory(prefix="upwatch-backup-") as work:
        dump = Path(work) / name
        if isinstance(target, PostgresTarget):
            dump_postgres(target, dump)
        else:
            backup_sqlite(target, dump)
        store.put(dump, name)
    removed = beyond_keep(store.names(), keep=keep, made=name)
    for old in removed:
        store.delete(old)
    return BackupMade(location=store.location(name), removed=removed)


def restore_backup(
    *, database_url: str, source: str, replace: bool, s3_endpoint_url: str | None
) -> Restored:
    """Restore a backup (a file, an S3 object, or the newest in a folder or prefix)."""
    engine, target = _target(database_url)
    store, name = _resolve_source(source, engine=engine, s3_endpoint_url=s3_endpoint_url)
    with tempfile.TemporaryDirectory(prefix="upwatch-restore-") as work:
        backup = store.fetch(name, Path(work))
        found = _engine_of(backup)
        if found != engine:
            raise BackupError(
                f"{store.location(name)} is not a {engine} backup"
                + (f" (it is a {found} one)" if found else "")
                + "; restore it into a database of its kind"
            )
        # Any SQLite file or pg_dump passes the check above: restoring one of another program,
        # or one of a newer Upwatch (whose schema this version cannot migrate), would replace
        # the database with one that no Upwatch command can open.
        revision = (
            postgres_backup_revision(target, backup)
            if isinstance(target, PostgresTarget)
            else sqlite_backup_revision(backup)
        )
        _ensure_known_revision(revision, store.location(name))
        monitors = (
            count_postgres_monitors(target)
            if isinstance(target, PostgresTarget)
            else count_sqlite_monitors(target)
        )
        if monitors and not replace:
            raise RestoreRefusedError(
                f"the {_describe(target)} holds {monitors} monitors, which the restore would "
                "replace; run again with --yes to do so"
            )
        if isinstance(target, PostgresTarget):
            restore_postgres(target, backup)
        else:
            restore_sqlite(backup, target)
    return Restored(source=store.location(name), target=_describe(target))


def _target(database_url: str) -> tuple[Engine, PostgresTarget | Path]:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up or restored")
        return Engine.SQLITE, Path(url.database)
    return Engine.POSTGRESQL, postgres_target(database_url)


def _describe(target: PostgresTarget | Path) -> str:
    return str(target) if isinstance(target, PostgresTarget) else f"SQLite database {target}"


def _resolve_source(
    source: str, *, engine: Engine, s3_endpoint_url: str | None
) -> tuple[BackupStore, str]:
    """A named backup, or the newest backup of this tool (of ``engine`` if there is one) in a
    folder or prefix."""
    if not source.startswith("s3://") and Path(source).is_file():
        path = Path(source)
        return open_store(str(path.parent), s3_endpoint_url=None), path.name
    head, _, last = source.rstrip("/").rpartition("/")
    if source.startswith("s3://") and parse_backup_name(last) is not None:
        return open_store(head, s3_endpoint_url=s3_endpoint_url), last
    if "://" not in source and not Path(source).exists():
        # Not "no backups in" it: a mistyped file name is not an empty folder.
        raise BackupError(f"{source}: no such file or folder")
    store = open_store(source, s3_endpoint_url=s3_endpoint_url)
    backups = newest_first(store.names())
    if not backups:
        raise BackupError(f"no upwatch backups in {store.location()}")
    # A folder may hold both engines' backups (a move from serve to the fleet): the newest of
    # the other engine is not the one meant. With none of ours, that one's check says why.
    return store, next((b for b in backups if b.engine == engine), backups[0]).name


def _ensure_known_revision(revision: str | None, location: str) -> None:
    if revision is None:
        raise BackupError(
            f"{location} is not an upwatch backup (it holds no upwatch schema version)"
        )
    known = {
        script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()
    }
    if revision not in known:
        raise BackupError(
            f"{location} was made by a newer upwatch (schema revision {revision!r} is unknown "
            "to this version); upgrade upwatch, then restore it"
        )


def _engine_of(backup: Path) -> Engine | None:
    try:
        with backup.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
    except OSError as exc:  # unreadable (permissions, a folder given as a file's name)
        raise BackupError(f"cannot read {backup}: {exc.strerror or exc}") from exc
    if head.startswith(PG_DUMP_MAGIC):
        return Engine.POSTGRESQL
    if head == SQLITE_MAGIC:
        return Engine.SQLITE
    return None
