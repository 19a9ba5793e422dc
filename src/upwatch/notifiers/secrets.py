"""Channel secrets at rest (encrypted with a key derived from the settings' secret key) and in
API output (redacted)."""

import base64
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr

from upwatch.errors import ConfigurationError, UpwatchError
from upwatch.notifiers.apprise import GENERIC_HTTP_SCHEMES
from upwatch.notifiers.base import ChannelBase
from upwatch.notifiers.registry import CHANNEL_MODELS, ChannelConfig, parse_channel

MASK = "********"
# Only in these schemes is the URL's host a host name rather than a token.
_SCHEMES_WITH_HOST = GENERIC_HTTP_SCHEMES | {"http", "https"}
# Binds the derived key to this one use: other keys from the same secret key stay independent.
_KEY_PURPOSE = b"upwatch/notification-channel-secrets/v1"


class SecretDecryptionError(UpwatchError):
    """Stored channel secrets cannot be decrypted: another secret key, or corrupt data."""


class SecretBox:
    """Encrypts the ``secret_fields`` of channel configs with Fernet (AES-CBC + HMAC)."""

    def __init__(self, secret_key: SecretStr | str) -> None:
        raw = secret_key.get_secret_value() if isinstance(secret_key, SecretStr) else secret_key
        if not raw:
            raise ConfigurationError("UPWATCH_SECRET_KEY is required to store channel secrets")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(
            raw.encode("utf-8")
        )
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, channel: ChannelConfig) -> dict[str, Any]:
        """``channel`` as JSON-ready data with each secret field replaced by its ciphertext."""
        stored = channel.model_dump(mode="json")
        for name in channel.secret_fields:
            plain = _reveal(getattr(channel, name), stored[name])
            stored[name] = self._fernet.encrypt(json.dumps(plain).encode("utf-8")).decode("ascii")
        return stored

    def open(self, stored: Mapping[str, Any]) -> ChannelConfig:
        """The channel config ``seal`` made ``stored`` from."""
        data = dict(stored)
        model = CHANNEL_MODELS.get(str(data.get("kind")))
        if model is None:
            raise SecretDecryptionError(f"stored channel has an unknown kind {data.get('kind')!r}")
        for name in model.secret_fields:
            token = data.get(name)
            if not isinstance(token, str):
                raise SecretDecryptionError(f"the stored {name!r} is not encrypted")
            try:
                data[name] = json.loads(self._fernet.decrypt(token.encode("ascii")))
            except (InvalidToken, UnicodeEncodeError) as exc:
                raise SecretDecryptionError(
                    f"cannot decrypt the channel's {name!r}: it was encrypted with another "
                    "UPWATCH_SECRET_KEY, or the stored data is corrupt"
                ) from exc
        return parse_channel(data)


def redact(channel: ChannelBase) -> dict[str, Any]:
    """``channel`` as JSON-ready data for API output: no secret value survives."""
    shown = channel.model_dump(mode="json")
    for name in channel.secret_fields:
        value = _reveal(getattr(channel, name), shown[name])
        if name == "url":
            shown[name] = redact_url(str(value))
        elif isinstance(value, dict):
            shown[name] = dict.fromkeys(value, MASK)
        else:
            shown[name] = MASK
    return shown


def redact_url(url: str) -> str:
    """Scheme and, where it is a real host, host: ``slack://…``, ``https://hooks.example.com/…``."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = parts.hostname if scheme in _SCHEMES_WITH_HOST else None
        port = f":{parts.port}" if host and parts.port else ""
    except ValueError:
        return "…"
    if not scheme:
        return "…"
    return f"{scheme}://{host}{port}/…" if host else f"{scheme}://…"


def _reveal(value: object, dumped: object) -> object:
    return value.get_secret_value() if isinstance(value, SecretStr) else dumped
