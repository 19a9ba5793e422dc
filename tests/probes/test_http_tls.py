"""The HTTP probe over TLS: verification and the certificate's remaining days."""

from datetime import timedelta

import pytest

from tests.probes import http_monitor
from tests.probes.conftest import HttpsTarget
from upwatch.domain.status import Outcome
from upwatch.probes.base import ProbeContext
from upwatch.probes.http import HttpProbe

PROBE = HttpProbe()


async def test_an_untrusted_certificate_fails_verification(
    https_target: HttpsTarget, context: ProbeContext
) -> None:
    result = await PROBE.check(http_monitor(f"{https_target.url}/text"), context)

    assert result.outcome is Outcome.DOWN
    assert result.error == "certificate verify failed: unable to get local issuer certificate"


@pytest.mark.parametrize("trusted", [False, True])
async def test_https_reports_the_certificate_when_verified_or_not(
    https_target: HttpsTarget, trusted: bool
) -> None:
    spec = http_monitor(f"{https_target.url}/redirect?to=/text", verify_tls=trusted)
    now = https_target.not_after - timedelta(days=60, hours=1)
    trust = https_target.ca_file if trusted else None

    async with ProbeContext(tls_trust=trust, now=lambda: now) as context:
        result = await PROBE.check(spec, context)

    assert (result.outcome, result.error) == (Outcome.UP, None)
    assert result.details["tls_days_left"] == 60
    assert result.details["tls_not_after"] == https_target.not_after.isoformat()
    assert result.details["final_url"] == f"{https_target.url}/text"


@pytest.mark.parametrize(
    ("before_expiry", "path", "outcome", "error"),
    [
        (timedelta(days=30, hours=1), "/text", Outcome.UP, None),
        (timedelta(days=10, hours=1), "/text", Outcome.DEGRADED, "certificate expires in 10 days"),
        (timedelta(days=2, hours=1), "/text", Outcome.DOWN, "certificate expires in 2 days"),
        (-timedelta(hours=1), "/text", Outcome.DOWN, "certificate expired on"),
        (timedelta(days=10, hours=1), "/status/500", Outcome.DOWN, "status 500 not in 200-399"),
    ],
)
async def test_certificate_expiry_thresholds(
    https_target: HttpsTarget,
    before_expiry: timedelta,
    path: str,
    outcome: Outcome,
    error: str | None,
) -> None:
    spec = http_monitor(https_target.url + path, verify_tls=False, tls_warning_days=14)
    now = https_target.not_after - before_expiry

    async with ProbeContext(now=lambda: now) as context:
        result = await PROBE.check(spec, context)

    assert result.outcome is outcome
    assert (result.error or "").startswith(error or "")
