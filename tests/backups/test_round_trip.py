"""`upwatch backup` then `upwatch restore`, as an operator runs them, on SQLite and PostgreSQL."""

from pathlib import Path

from tests.backups.conftest import Database, upwatch
from upwatch.backups.naming import newest_first


def test_a_backup_restores_into_a_wiped_database_and_replaces_changes_only_with_yes(
    whole_database: Database, tmp_path: Path
) -> None:
    database = whole_database
    database.add_monitors(3)
    before = database.snapshot()
    assert len(before["monitors"]) == 3
    assert len(before["check_results"]) == 72
    folder = tmp_path / "backups"

    made = upwatch(database, "backup", "--to", str(folder))
    assert made.returncode == 0, made.stderr
    (backup,) = newest_first([p.name for p in folder.iterdir()])
    assert f"backup written to {folder / backup.name}" in made.stdout

    database.wipe()
    restored = upwatch(database, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr
    assert database.snapshot() == before
    upgraded = upwatch(database, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr

    database.add_monitors(1, name="added later")
    refused = upwatch(database, "restore", str(folder / backup.name))
    assert refused.returncode == 1
    assert "holds 4 monitors" in refused.stderr
    assert "--yes" in refused.stderr
    assert len(database.snapshot()["monitors"]) == 4

    replaced = upwatch(database, "restore", str(folder / backup.name), "--yes")
    assert replaced.returncode == 0, replaced.stderr
    assert database.snapshot() == before
