"""The timing breakdown of a request from the phases the HTTP client recorded."""

import pytest

from upwatch.probes.http_timer import RequestTimer


@pytest.mark.parametrize(
    ("dns", "connect", "ttfb", "timings"),
    [
        (0.003, 0.007, 0.02, {"dns_ms": 3.0, "connect_ms": 7.0, "ttfb_ms": 20.0}),
        (None, 0.002, None, {"connect_ms": 2.0}),
        (None, None, None, {}),
    ],
)
def test_the_breakdown_reports_the_phases_that_happened(
    dns: float | None, connect: float | None, ttfb: float | None, timings: dict[str, float]
) -> None:
    timer = RequestTimer()
    if dns is not None:
        timer.resolved(dns)
    timer.transferred(connect=connect, ttfb=ttfb)

    assert timer.breakdown() == timings


def test_a_new_request_starts_afresh() -> None:
    timer = RequestTimer()
    timer.resolved(0.001)
    timer.transferred(connect=0.002, ttfb=0.003)

    timer.start()

    assert timer.breakdown() == {}
