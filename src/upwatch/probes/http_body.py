"""Decoding response bodies, and showing their start in incident causes."""

import zlib

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


def undecoded_excerpt(raw: bytes, charset: str | None) -> str:
    """The start of a body read without decompression, its head not read either: a gzip or
    zlib stream is recognised by its first bytes and inflated here; a body that still is not
    text (another encoding, or binary) is not shown."""
    if raw[:2] == _GZIP_MAGIC or _starts_zlib_stream(raw):
        try:
            raw = zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(raw, EXCERPT_LIMIT * 4)
        except zlib.error:
            return "(compressed body could not be decoded)"
    text = excerpt(text_of(raw, charset))
    unreadable = sum(1 for c in text if c == "\ufffd" or (c < " " and c not in "\t\n\r"))
    if unreadable * 4 > len(text):
        return "(body not shown: not text)"
    return text


_GZIP_MAGIC = b"\x1f\x8b"


def _starts_zlib_stream(raw: bytes) -> bool:
    # RFC 1950: deflate method (8) in the low bits, the two bytes a multiple of 31.
    return len(raw) >= 2 and raw[0] & 0x0F == 8 and ((raw[0] << 8) | raw[1]) % 31 == 0
