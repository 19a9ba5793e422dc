"""What goes wrong in a backup or a restore, said so that an operator can act on it."""

from upwatch.errors import UpwatchError


class BackupError(UpwatchError):
    """A backup or restore failed; nothing partial was left behind."""
