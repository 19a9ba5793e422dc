"""The key that seals channel secrets: from UPWATCH_SECRET_KEY, or made once in the data dir."""

import os
import secrets

from upwatch.settings import Settings

KEY_FILE = "secret.key"


def secret_key_for(settings: Settings) -> str:
    """A deployment sets UPWATCH_SECRET_KEY (from Secrets Manager on AWS); a laptop needs no
    set-up, so a key is generated on first use and kept, readable by its owner only."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(32))
    return path.read_text().strip()
