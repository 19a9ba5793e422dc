"""Backups in a local folder. A backup appears under its name only once it is complete."""

import os
import shutil
import tempfile
from contextlib import suppress
from pathlib import Path

from upwatch.backups.errors import BackupError, BackupNameTakenError


class LocalStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(entry.name for entry in self.directory.iterdir() if entry.is_file())

    def put(self, source: Path, name: str) -> None:
        target = self.directory / name
        partial: Path | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # A partial file of this run's own: a second backup in the same second (another
            # host, a retried job) would otherwise copy into it too, or move it away.
            handle, partial_name = tempfile.mkstemp(
                dir=self.directory, prefix=f".{name}.", suffix=".partial"
            )
            os.close(handle)
            partial = Path(partial_name)
            _move_or_copy(source, partial)
            with partial.open("rb") as written:
                os.fsync(written.fileno())
            if target.exists():
                raise BackupNameTakenError(str(target))
            partial.replace(target)
        except OSError as exc:
            raise BackupError(f"cannot write the backup to {self.directory}: {exc}") from exc
        finally:
            if partial is not None:  # gone already once it is in place
                with suppress(OSError):
                    partial.unlink(missing_ok=True)

    def fetch(self, name: str, work_dir: Path) -> Path:
        return self.directory / name

    def delete(self, name: str) -> None:
        try:
            (self.directory / name).unlink(missing_ok=True)
        except OSError as exc:
            raise BackupError(f"cannot delete the old backup {self.location(name)}: {exc}") from exc

    def location(self, name: str = "") -> str:
        return str(self.directory / name) if name else str(self.directory)


def _move_or_copy(source: Path, target: Path) -> None:
    try:
        source.replace(target)  # the same file system: no second copy of a large dump
    except OSError:
        shutil.copyfile(source, target)
