"""The timing breakdown of a request from the moments the HTTP client marked."""

import pytest

from upwatch.probes.http_timer import RequestTimer


@pytest.mark.parametrize(
    ("marks", "timings"),
    [
        (
            {
                "start": 10.0,
                "dns_start": 10.001,
                "dns_end": 10.004,
                "connect_start": 10.0005,
                "connect_end": 10.0105,
                "headers_sent": 10.011,
                "response": 10.031,
            },
            {"dns_ms": 3.0, "connect_ms": 7.0, "ttfb_ms": 20.0},
        ),
        (
            {"start": 1.0, "connect_start": 1.0, "connect_end": 1.002, "headers_sent": 1.002},
            {"connect_ms": 2.0},
        ),
        ({}, {}),
    ],
)
def test_the_breakdown_splits_dns_from_connecting(
    marks: dict[str, float], timings: dict[str, float]
) -> None:
    timer = RequestTimer()
    timer.marks.update(marks)

    assert timer.breakdown() == timings
