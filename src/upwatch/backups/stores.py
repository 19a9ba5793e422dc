"""Where backups live: a local folder or an S3 prefix, behind one small interface."""

from pathlib import Path
from typing import Protocol

from upwatch.backups.errors import BackupError
from upwatch.backups.local import LocalStore
from upwatch.backups.s3 import S3Store


class BackupStore(Protocol):
    def names(self) -> list[str]:
        """Names of the objects directly in the folder or prefix."""
        ...

    def put(self, source: Path, name: str) -> None:
        """Store the finished file ``source`` (which may be moved) as ``name``: all or nothing."""
        ...

    def fetch(self, name: str, work_dir: Path) -> Path:
        """A local path holding the backup ``name`` (downloaded into ``work_dir`` if need be)."""
        ...

    def delete(self, name: str) -> None: ...

    def location(self, name: str = "") -> str:
        """How to show the folder or prefix, or one backup in it, to people."""
        ...


def open_store(location: str, *, s3_endpoint_url: str | None = None) -> BackupStore:
    """A store for ``DIR`` or ``s3://bucket/prefix``."""
    if location.startswith("s3://"):
        return S3Store.from_url(location, endpoint_url=s3_endpoint_url)
    if "://" in location:
        raise BackupError(f"{location}: give a folder or an s3://bucket/prefix URL")
    return LocalStore(Path(location))
