"""How long a server certificate has left, and what that means for the check."""

import math
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509

from upwatch.domain.status import Outcome

_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class CertificateExpiry:
    not_after: datetime
    days_left: int
    subject: str
    issuer: str
    outcome: Outcome
    error: str | None


def certificate_expiry(
    der: bytes, *, now: datetime, warning_days: int, critical_days: int
) -> CertificateExpiry:
    """Grade a DER certificate: DOWN when expired or under ``critical_days`` full days left,
    DEGRADED under ``warning_days``. Raises ``ValueError`` when the bytes are no certificate.
    """
    certificate = x509.load_der_x509_certificate(der)
    not_after = certificate.not_valid_after_utc
    days_left = math.floor((not_after - now).total_seconds() / _SECONDS_PER_DAY)
    outcome, error = _grade(days_left, not_after, warning_days, critical_days)
    return CertificateExpiry(
        not_after=not_after,
        days_left=days_left,
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        outcome=outcome,
        error=error,
    )


def _grade(
    days_left: int, not_after: datetime, warning_days: int, critical_days: int
) -> tuple[Outcome, str | None]:
    expires = not_after.isoformat()
    if days_left < 0:
        return Outcome.DOWN, f"certificate expired on {expires}"
    expires_soon = f"certificate expires in {days_left} day{'' if days_left == 1 else 's'}"
    if days_left < critical_days:
        return Outcome.DOWN, f"{expires_soon} ({expires})"
    if days_left < warning_days:
        return Outcome.DEGRADED, f"{expires_soon} ({expires})"
    return Outcome.UP, None
