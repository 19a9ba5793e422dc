"""Decoding bodies and excerpts of bodies read without decompression."""

import gzip
import zlib

import pytest

from upwatch.probes.http_body import EXCERPT_LIMIT, encoded_excerpt, text_of

PAGE = "<h1>Service unavailable</h1> " * 200


@pytest.mark.parametrize(
    ("raw", "encoding", "excerpt"),
    [
        (PAGE.encode(), None, PAGE[:EXCERPT_LIMIT]),
        (PAGE.encode(), "identity", PAGE[:EXCERPT_LIMIT]),
        (gzip.compress(PAGE.encode()), "gzip", PAGE[:EXCERPT_LIMIT]),
        (gzip.compress(PAGE.encode())[:300], "GZIP", PAGE[:EXCERPT_LIMIT]),
        (zlib.compress(PAGE.encode()), "deflate", PAGE[:EXCERPT_LIMIT]),
        (b"\x1f\x8b garbage", "gzip", "(gzip-encoded body could not be decoded)"),
        (b"\x0b\x02\x80", "br", "(br-encoded body not shown)"),
    ],
)
def test_excerpts_of_raw_bodies(raw: bytes, encoding: str | None, excerpt: str) -> None:
    assert encoded_excerpt(raw, content_encoding=encoding, charset=None) == excerpt


@pytest.mark.parametrize(
    ("raw", "charset", "text"),
    [
        ("café".encode(), None, "café"),
        ("café".encode("latin-1"), "latin-1", "café"),
        ("café".encode("latin-1"), None, "caf\ufffd"),
        (b"plain", "no-such-charset", "plain"),
    ],
)
def test_bodies_decode_with_the_declared_charset(
    raw: bytes, charset: str | None, text: str
) -> None:
    assert text_of(raw, charset) == text
