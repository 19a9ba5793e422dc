"""Backups in a folder: rotation keeps exactly N of ours, and a failure leaves nothing behind."""

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from tests.backups.conftest import T0, Database, upwatch
from tests.conftest import _postgres
from upwatch.backups.errors import BackupError
from upwatch.backups.naming import Engine, backup_name, newest_first
from upwatch.backups.service import create_backup, restore_backup

FOREIGN = {"notes.txt": b"keep me", "upwatch.db": b"not a backup of ours"}


def _backup(database: Database, folder: Path, *, days: int, keep: int) -> list[str]:
    made = create_backup(
        database_url=database.async_url,
        destination=str(folder),
        keep=keep,
        now=T0 + timedelta(days=days),
        s3_endpoint_url=None,
    )
    return made.removed


def test_rotation_keeps_exactly_the_newest_n_and_leaves_other_files_alone(
    sqlite_database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    (folder / "old").mkdir(parents=True)
    for name, content in FOREIGN.items():
        (folder / name).write_bytes(content)
    removed = [
        name for day in range(9) for name in _backup(sqlite_database, folder, days=day, keep=3)
    ]

    kept = [b.name for b in newest_first([p.name for p in folder.iterdir()])]
    assert kept == [backup_name(Engine.SQLITE, T0 + timedelta(days=d)) for d in (8, 7, 6)]
    assert sorted(removed) == [backup_name(Engine.SQLITE, T0 + timedelta(days=d)) for d in range(6)]
    for name, content in FOREIGN.items():
        assert (folder / name).read_bytes() == content
    assert (folder / "old").is_dir()


def test_keep_defaults_to_seven(sqlite_database: Database, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in range(1, 9):
        (folder / backup_name(Engine.SQLITE, T0 - timedelta(days=day))).write_bytes(b"old")
    made = upwatch(sqlite_database, "backup", "--to", str(folder))
    assert made.returncode == 0, made.stderr
    assert len(newest_first([p.name for p in folder.iterdir()])) == 7
    assert made.stdout.count("removed older backup") == 2


def test_an_unwritable_destination_fails_clearly_and_writes_nothing(
    sqlite_database: Database, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    failed = upwatch(sqlite_database, "backup", "--to", str(blocker / "backups"))
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: backup failed: cannot write the backup to ")
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "data"]


def test_a_failing_pg_dump_leaves_no_file_and_removes_no_old_backup(
    postgresql_database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [backup_name(Engine.POSTGRESQL, T0 - timedelta(days=d)) for d in range(1, 4)]
    for name in old:
        (folder / name).write_bytes(b"PGDMP")
    # A role that may connect but not read the tables: pg_dump starts its file, then fails.
    role = f"nobody_{postgresql_database.url.rsplit('_', 1)[-1]}"
    asyncio.run(_postgres(f'CREATE ROLE "{role}" LOGIN'))
    try:
        as_role = Database(postgresql_database.url.replace("postgres@", f"{role}@"), None)
        failed = upwatch(as_role, "backup", "--to", str(folder), "--keep", "1")
    finally:
        asyncio.run(_postgres(f'DROP OWNED BY "{role}"; DROP ROLE "{role}"'))
    assert failed.returncode == 1
    assert "error: backup failed: pg_dump of the PostgreSQL database" in failed.stderr
    assert "permission denied" in failed.stderr
    assert sorted(p.name for p in folder.iterdir()) == sorted(old)


def test_a_second_backup_in_the_same_second_replaces_nothing(
    sqlite_database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    name = backup_name(Engine.SQLITE, T0)
    _backup(sqlite_database, folder, days=0, keep=7)
    first = (folder / name).read_bytes()
    # Another run of the same second, still copying into its partial file.
    (folder / f".{name}.partial").write_bytes(b"another run's copy")
    sqlite_database.add_monitors(1)

    with pytest.raises(BackupError, match="already exists \\(a backup made in the same second\\)"):
        _backup(sqlite_database, folder, days=0, keep=7)

    assert (folder / name).read_bytes() == first
    assert (folder / f".{name}.partial").read_bytes() == b"another run's copy"
    assert sorted(p.name for p in folder.iterdir()) == sorted([name, f".{name}.partial"])


def test_a_restore_by_a_role_that_cannot_read_the_database_fails_clearly(
    postgresql_database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    postgresql_database.add_monitors(1)
    _backup(postgresql_database, folder, days=0, keep=1)
    before = postgresql_database.snapshot()
    role = f"nobody_{postgresql_database.url.rsplit('_', 1)[-1]}"
    asyncio.run(_postgres(f'CREATE ROLE "{role}" LOGIN'))
    try:
        as_role = Database(postgresql_database.url.replace("postgres@", f"{role}@"), None)
        failed = upwatch(as_role, "restore", str(folder), "--yes")
    finally:
        asyncio.run(_postgres(f'DROP OWNED BY "{role}"; DROP ROLE "{role}"'))
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: restore failed: cannot count the monitors in the ")
    assert "permission denied for table monitors" in failed.stderr
    assert postgresql_database.snapshot() == before


def test_keep_must_be_positive(sqlite_database: Database, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="at least 1"):
        _backup(sqlite_database, tmp_path, days=0, keep=0)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("empty", "no upwatch backups in"),
        ("missing", "missing: no such file or folder"),
        ("missing/upwatch-20261101T120000Z-sqlite.db", "sqlite.db: no such file or folder"),
        ("not-a-backup.db", "is not a sqlite backup"),
        ("postgres", "is not a sqlite backup (it is a postgresql one)"),
    ],
)
def test_restore_refuses_what_is_not_a_backup_of_its_engine(
    sqlite_database: Database, tmp_path: Path, source: str, message: str
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "not-a-backup.db").write_text("hello")
    (tmp_path / "postgres").mkdir()
    (tmp_path / "postgres" / backup_name(Engine.POSTGRESQL, T0)).write_bytes(b"PGDMP\x01\x0e")
    before = sqlite_database.snapshot()
    with pytest.raises(BackupError) as refused:
        restore_backup(
            database_url=sqlite_database.async_url,
            source=str(tmp_path / source),
            replace=True,
            s3_endpoint_url=None,
        )
    assert message in str(refused.value)
    assert sqlite_database.snapshot() == before


@pytest.mark.parametrize(
    ("schema_change", "message"),
    [
        ("DROP TABLE alembic_version", "is not an upwatch backup (it holds no upwatch schema"),
        (
            "UPDATE alembic_version SET version_num = '9999_future'",
            "was made by a newer upwatch (schema revision '9999_future' is unknown",
        ),
    ],
)
def test_restore_refuses_a_database_of_another_program_or_a_newer_schema(
    whole_database: Database, tmp_path: Path, schema_change: str, message: str
) -> None:
    database = whole_database
    database.add_monitors(1, name="in the backup")
    database.execute(schema_change)
    folder = tmp_path / "backups"
    _backup(database, folder, days=0, keep=1)
    database.wipe()
    database.migrate()
    database.add_monitors(2)
    before = database.snapshot()

    refused = upwatch(database, "restore", str(folder), "--yes")

    assert refused.returncode == 1
    assert message in refused.stderr
    assert "Traceback" not in refused.stderr
    assert database.snapshot() == before


def test_restore_over_a_damaged_sqlite_database_says_to_move_it_aside(
    sqlite_database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    _backup(sqlite_database, folder, days=0, keep=1)
    live = Path(sqlite_database.url.removeprefix("sqlite:///"))
    live.write_bytes(b"damaged by a full disk")

    refused = upwatch(sqlite_database, "restore", str(folder), "--yes")

    assert refused.returncode == 1
    assert refused.stderr == (
        f"error: restore failed: cannot read the SQLite database {live}: file is not a "
        "database; move it (and any -wal and -shm files beside it) aside, then restore again\n"
    )
    assert live.read_bytes() == b"damaged by a full disk"


def test_restore_from_a_folder_takes_the_newest_backup_of_its_engine(
    sqlite_database: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "backups"
    sqlite_database.add_monitors(2)
    before = sqlite_database.snapshot()
    _backup(sqlite_database, folder, days=0, keep=7)
    (folder / backup_name(Engine.POSTGRESQL, T0 + timedelta(days=1))).write_bytes(b"PGDMP")
    sqlite_database.wipe()

    restore_backup(
        database_url=sqlite_database.async_url,
        source=str(folder),
        replace=False,
        s3_endpoint_url=None,
    )

    assert sqlite_database.snapshot() == before


def test_restore_from_a_backup_it_may_not_read_fails_clearly(
    sqlite_database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "backups"
    _backup(sqlite_database, folder, days=0, keep=1)
    (backup,) = folder.iterdir()
    opened = Path.open

    def refused_for_the_backup(path: Path, *args: object, **kwargs: object) -> object:
        if path == backup:  # what a user without read permission gets (tests run as root)
            raise PermissionError(13, "Permission denied")
        return opened(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(Path, "open", refused_for_the_backup)
    with pytest.raises(BackupError, match=f"cannot read {backup}: Permission denied"):
        restore_backup(
            database_url=sqlite_database.async_url,
            source=str(backup),
            replace=True,
            s3_endpoint_url=None,
        )
