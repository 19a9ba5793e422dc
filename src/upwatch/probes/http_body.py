"""Decoding response bodies, and showing their start in incident causes."""

EXCERPT_LIMIT = 2048


def text_of(raw: bytes, charset: str | None) -> str:
    """Decode with the declared charset (UTF-8 when none, unknown or not a text encoding, such
    as ``base64``), never failing."""
    try:
        return raw.decode(charset or "utf-8", errors="replace")
    except (LookupError, UnicodeError):
        return raw.decode("utf-8", errors="replace")


def excerpt(text: str) -> str:
    return text[:EXCERPT_LIMIT]
