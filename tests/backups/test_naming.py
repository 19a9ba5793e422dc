from datetime import UTC, datetime, timedelta

import pytest

from upwatch.backups.naming import Engine, backup_name, beyond_keep, parse_backup_name

AT = datetime(2026, 11, 23, 3, 15, 0, tzinfo=UTC)


def test_names_carry_the_utc_time_and_the_engine() -> None:
    assert backup_name(Engine.POSTGRESQL, AT) == "upwatch-20261123T031500Z-postgresql.dump"
    assert backup_name(Engine.SQLITE, AT) == "upwatch-20261123T031500Z-sqlite.db"
    parsed = parse_backup_name("upwatch-20261123T031500Z-sqlite.db")
    assert parsed is not None
    assert (parsed.taken_at, parsed.engine) == (AT, Engine.SQLITE)


@pytest.mark.parametrize(
    "name",
    [
        "notes.txt",
        "upwatch.db",
        "upwatch-20261123T031500Z-sqlite.dump",  # the wrong extension for the engine
        "upwatch-20261123T031500Z-mysql.db",
        "upwatch-20261123-sqlite.db",
        "upwatch-20261123T031500Z-sqlite.db.partial",
        ".upwatch-20261123T031500Z-sqlite.db.partial",
        "my-upwatch-20261123T031500Z-sqlite.db",
    ],
)
def test_names_this_tool_did_not_make_are_not_ours(name: str) -> None:
    assert parse_backup_name(name) is None


def test_the_newest_are_kept_by_their_time_not_their_order() -> None:
    names = [backup_name(Engine.SQLITE, AT - timedelta(days=d)) for d in (3, 0, 5, 1, 4, 2)]
    doomed = beyond_keep([*names, "notes.txt"], keep=4, made=names[1])
    assert doomed == [names[4], names[2]]  # 4 and 5 days old


def test_the_backup_just_made_is_never_removed() -> None:
    future = backup_name(Engine.SQLITE, AT + timedelta(days=1))
    made = backup_name(Engine.SQLITE, AT)
    assert beyond_keep([future, made], keep=1, made=made) == []
