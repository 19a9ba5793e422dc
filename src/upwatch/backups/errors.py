"""What goes wrong in a backup or a restore, said so that an operator can act on it."""

from upwatch.errors import UpwatchError


class BackupError(UpwatchError):
    """A backup or restore failed; nothing partial was left behind."""


class BackupNameTakenError(BackupError):
    """Backup names go by the second: one made in the same second (perhaps of another
    database) is never replaced, nor are both reported as written."""

    def __init__(self, location: str) -> None:
        super().__init__(
            f"{location} already exists (a backup made in the same second); it was left as it is"
        )
