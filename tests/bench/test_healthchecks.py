"""Finding a healthchecks.io checkout and configuring it as its Docker image is configured."""

import ast
from pathlib import Path

from bench.lib.healthchecks import (
    CREATE_CHECKS,
    Healthchecks,
    healthchecks_python,
    healthchecks_version,
)


def _checkout(root: Path, venv: str) -> Path:
    (root / venv / "bin").mkdir(parents=True)
    (root / venv / "bin" / "python").touch()
    (root / "manage.py").touch()
    return root


def test_the_interpreter_is_the_checkouts_own_virtualenv(tmp_path: Path) -> None:
    dotted = _checkout(tmp_path / "a", ".venv")
    plain = _checkout(tmp_path / "b", "venv")
    (tmp_path / "c" / ".venv" / "bin").mkdir(parents=True)  # a virtualenv but no manage.py

    assert healthchecks_python(dotted) == dotted / ".venv" / "bin" / "python"
    assert healthchecks_python(plain) == plain / "venv" / "bin" / "python"
    assert healthchecks_python(tmp_path / "c") is None
    assert healthchecks_python(tmp_path / "missing") is None


def test_the_version_is_the_newest_heading_in_the_changelog(tmp_path: Path) -> None:
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\nAll notable changes\n\n## v3.13-dev - Unreleased\n\n## v3.12 - 2025-11-01\n"
    )

    assert healthchecks_version(tmp_path) == "v3.13-dev"
    assert healthchecks_version(tmp_path / "none") == "of unknown version"


def test_the_check_creating_snippet_is_python_once_the_count_is_filled_in() -> None:
    snippet = CREATE_CHECKS.format(count=3)

    ast.parse(snippet)
    assert "range(3)" in snippet
    assert "f'job-{n}'" in snippet


def test_sqlite_settings_put_the_database_in_the_runs_folder(tmp_path: Path) -> None:
    site = Healthchecks(tmp_path, tmp_path / "python", tmp_path / "run", None)

    assert site.env["DB"] == "sqlite"
    assert site.env["DB_NAME"] == str(tmp_path / "run" / "hc.sqlite")
    assert site.env["DEBUG"] == "False"


def test_postgres_settings_come_from_the_harness_database_url(tmp_path: Path) -> None:
    url = "postgresql://bench:s%40cret@127.0.0.1:5433/upwatch_bench_hc_1234"
    site = Healthchecks(tmp_path, tmp_path / "python", tmp_path, url)

    assert {k: v for k, v in site.env.items() if k.startswith("DB")} == {
        "DB": "postgres",
        "DB_HOST": "127.0.0.1",
        "DB_PORT": "5433",
        "DB_NAME": "upwatch_bench_hc_1234",
        "DB_USER": "bench",
        "DB_PASSWORD": "s@cret",
        "DB_CONN_MAX_AGE": "600",
    }
