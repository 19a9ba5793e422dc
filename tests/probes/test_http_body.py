"""Decoding bodies in their declared charset."""

import pytest

from upwatch.probes.http_body import text_of


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
