"""The documented webhook signature: HMAC-SHA256 over "<timestamp>.<raw body>"."""

import hashlib
import hmac

import pytest

from upwatch.notifiers.webhook_signature import sign, verify_signature

SECRET = "whsec-0123456789abcdef"
BODY = b'{"event":"down","monitor":{"id":7,"name":"api"}}'
SENT_AT = 1_795_435_200


def test_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{SENT_AT}.".encode() + BODY, hashlib.sha256)

    assert sign(SECRET, str(SENT_AT), BODY) == "sha256=" + expected.hexdigest()


@pytest.mark.parametrize(
    ("timestamp", "body", "signature_of", "now", "valid"),
    [
        (str(SENT_AT), BODY, BODY, SENT_AT, True),
        (str(SENT_AT), BODY, BODY, SENT_AT + 300, True),
        (str(SENT_AT), BODY, BODY, SENT_AT - 300, True),
        (str(SENT_AT), BODY, BODY, SENT_AT + 301, False),  # replayed later
        (str(SENT_AT), BODY, BODY, SENT_AT - 301, False),  # from the future
        (str(SENT_AT), BODY + b" ", BODY, SENT_AT, False),  # tampered body
        (str(SENT_AT + 1), BODY, BODY, SENT_AT, False),  # tampered timestamp
        ("", BODY, BODY, SENT_AT, False),
        ("-5", BODY, BODY, SENT_AT, False),
        ("١٧٩٥", BODY, BODY, SENT_AT, False),  # non-ASCII digits
    ],
)
def test_verification(
    timestamp: str, body: bytes, signature_of: bytes, now: float, valid: bool
) -> None:
    signature = sign(SECRET, str(SENT_AT), signature_of)

    assert verify_signature(SECRET, timestamp, body, signature, now) is valid


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=", "sha1=abc", "sha256=" + "0" * 64, "sha256=zz", "sha256=é"],
)
def test_malformed_signatures_are_refused(signature: str) -> None:
    assert not verify_signature(SECRET, str(SENT_AT), BODY, signature, SENT_AT)


def test_a_custom_tolerance() -> None:
    signature = sign(SECRET, str(SENT_AT), BODY)

    assert not verify_signature(SECRET, str(SENT_AT), BODY, signature, SENT_AT + 61, tolerance=60)
