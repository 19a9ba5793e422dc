"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<raw body>"`` with the channel's secret.

Standard library only, so receivers can copy ``verify_signature`` as it is (docs/webhooks.md).
"""

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Upwatch-Timestamp"
SIGNATURE_HEADER = "X-Upwatch-Signature"
IDEMPOTENCY_HEADER = "X-Upwatch-Idempotency-Key"
EVENT_HEADER = "X-Upwatch-Event"
SIGNATURE_PREFIX = "sha256="


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Upwatch-Signature`` value for ``body`` sent at ``timestamp`` (unix seconds)."""
    signed = timestamp.encode("ascii") + b"." + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify_signature(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float,
    tolerance: float = 300,
) -> bool:
    """Whether ``signature`` is Upwatch's for this exact body, sent within ``tolerance`` seconds.

    ``timestamp`` and ``signature`` are the header values, ``body`` the raw request body (before
    any JSON parsing), ``now`` the receiver's unix time. A timestamp further than ``tolerance``
    from ``now`` is refused, so a captured request cannot be replayed later.
    """
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(now - int(timestamp)) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    # Constant time: how much of the signature matched must not show in the timing.
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8"))
