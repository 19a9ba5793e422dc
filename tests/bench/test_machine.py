"""The commit a benchmark result names."""

import subprocess
from pathlib import Path

import pytest
from bench.lib.machine import commit_of


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_clean_checkout_is_named_by_its_commit_alone(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    (tmp_path / "tracked.txt").write_text("first\n")
    (tmp_path / "untracked.txt").write_text("not part of the commit\n")
    _git(tmp_path, "add", "tracked.txt")
    _git(
        tmp_path,
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@example.com",
        "commit",
        "-qm",
        "x",
    )
    sha = _git(tmp_path, "rev-parse", "--short=12", "HEAD")

    assert commit_of(tmp_path) == sha

    (tmp_path / "tracked.txt").write_text("changed\n")
    assert commit_of(tmp_path) == f"{sha} (with uncommitted changes)"


def test_without_git_the_commit_is_not_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))

    assert commit_of(tmp_path) == "not found"
