"""Decoding bodies in their declared charset; excerpts of bodies read without decompression."""

import gzip
import zlib

import pytest

from upwatch.probes.http_body import EXCERPT_LIMIT, text_of, undecoded_excerpt

PAGE = "<h1>Service unavailable</h1> " * 200


@pytest.mark.parametrize(
    ("raw", "charset", "text"),
    [
        ("café".encode(), None, "café"),
        ("café".encode("latin-1"), "latin-1", "café"),
        ("café".encode("latin-1"), None, "caf\ufffd"),
        (b"plain", "no-such-charset", "plain"),
        ("café".encode(), "base64", "café"),
        ("café".encode(), "rot13", "café"),
        ("café".encode(), "undefined", "café"),
        ("café".encode(), "caf\udce9", "café"),
    ],
)
def test_bodies_decode_with_the_declared_charset(
    raw: bytes, charset: str | None, text: str
) -> None:
    assert text_of(raw, charset) == text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (PAGE.encode(), PAGE[:EXCERPT_LIMIT]),
        (gzip.compress(PAGE.encode()), PAGE[:EXCERPT_LIMIT]),
        (gzip.compress(PAGE.encode())[:300], PAGE[:EXCERPT_LIMIT]),
        (zlib.compress(PAGE.encode()), PAGE[:EXCERPT_LIMIT]),
        ("déjà vu, café au lait".encode("latin-1"), "d\ufffdj\ufffd vu, caf\ufffd au lait"),
        (b"\x1f\x8b garbage", "(compressed body could not be decoded)"),
        (bytes(range(128, 256)), "(body not shown: not text)"),
    ],
)
def test_excerpts_of_bodies_read_without_decompression(raw: bytes, shown: str) -> None:
    assert undecoded_excerpt(raw, None) == shown
