"""Decoding response bodies, and showing their start in incident causes."""

import codecs

EXCERPT_LIMIT = 2048


def text_of(raw: bytes, charset: str | None) -> str:
    """Decode with the declared charset (UTF-8 when none or unknown), never failing."""
    try:
        codecs.lookup(charset or "utf-8")
    except (LookupError, UnicodeError):  # unknown, or not even ASCII
        charset = None
    return raw.decode(charset or "utf-8", errors="replace")


def excerpt(text: str) -> str:
    return text[:EXCERPT_LIMIT]
