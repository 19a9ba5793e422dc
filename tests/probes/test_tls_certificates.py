"""Grading a certificate by the days it has left."""

from datetime import UTC, datetime, timedelta

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from upwatch.domain.status import Outcome
from upwatch.probes.tls_certificates import certificate_expiry

NOT_AFTER = datetime(2031, 5, 17, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def certificate(certificate_authority: trustme.CA) -> bytes:
    leaf = certificate_authority.issue_cert("shop.example", not_after=NOT_AFTER)
    pem = leaf.cert_chain_pems[0].bytes()
    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)


@pytest.mark.parametrize(
    ("before_expiry", "days_left", "outcome", "error"),
    [
        (timedelta(days=400), 400, Outcome.UP, None),
        (timedelta(days=10), 10, Outcome.UP, None),
        (timedelta(days=9, hours=23), 9, Outcome.DEGRADED, "certificate expires in 9 days"),
        (timedelta(days=2), 2, Outcome.DEGRADED, "certificate expires in 2 days"),
        (timedelta(days=1, hours=12), 1, Outcome.DOWN, "certificate expires in 1 day ("),
        (timedelta(0), 0, Outcome.DOWN, "certificate expires in 0 days"),
        (-timedelta(minutes=1), -1, Outcome.DOWN, "certificate expired on 2031-05-17T12:00"),
        (-timedelta(days=30), -30, Outcome.DOWN, "certificate expired on 2031-05-17T12:00"),
    ],
)
def test_days_left_against_warning_and_critical(
    certificate: bytes,
    before_expiry: timedelta,
    days_left: int,
    outcome: Outcome,
    error: str | None,
) -> None:
    expiry = certificate_expiry(
        certificate, now=NOT_AFTER - before_expiry, warning_days=10, critical_days=2
    )

    assert (expiry.days_left, expiry.outcome) == (days_left, outcome)
    assert (expiry.error or "").startswith(error or "")
    assert expiry.not_after == NOT_AFTER


def test_names_are_read_from_the_certificate(certificate: bytes) -> None:
    expiry = certificate_expiry(certificate, now=NOT_AFTER, warning_days=0, critical_days=0)

    assert "O=trustme" in expiry.issuer
    assert expiry.subject != expiry.issuer


def test_bytes_that_are_no_certificate_raise_value_error() -> None:
    with pytest.raises(ValueError, match="error parsing asn1 value"):
        certificate_expiry(b"not a certificate", now=NOT_AFTER, warning_days=0, critical_days=0)
