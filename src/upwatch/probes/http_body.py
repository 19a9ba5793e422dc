"""Decoding response bodies, and showing their start in incident causes."""

import codecs
import zlib

EXCERPT_LIMIT = 2048
# Content encodings zlib reads when asked to detect the header (gzip, or zlib-wrapped deflate).
ZLIB_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate"})


def text_of(raw: bytes, charset: str | None) -> str:
    """Decode with the declared charset (UTF-8 when none or unknown), never failing."""
    try:
        codecs.lookup(charset or "utf-8")
    except LookupError:
        charset = None
    return raw.decode(charset or "utf-8", errors="replace")


def excerpt(text: str) -> str:
    return text[:EXCERPT_LIMIT]


def encoded_excerpt(raw: bytes, *, content_encoding: str | None, charset: str | None) -> str:
    """The start of a body read without decompression: decompressed here when zlib can."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return excerpt(text_of(raw, charset))
    if encoding not in ZLIB_ENCODINGS:
        return f"({encoding}-encoded body not shown)"
    try:
        plain = zlib.decompressobj(zlib.MAX_WBITS | 32).decompress(raw, EXCERPT_LIMIT * 4)
    except zlib.error:
        return f"({encoding}-encoded body could not be decoded)"
    return excerpt(text_of(plain, charset))
