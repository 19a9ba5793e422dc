from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import check_result
from upwatch.domain.status import Outcome

AT = datetime(2026, 11, 23, 12, 5, tzinfo=UTC)
HTTP = {
    "final_url": "http://127.0.0.1:9/",
    "redirects": 0,
    "timings": {"dns_ms": 1.5, "connect_ms": 0.4, "ttfb_ms": 20.0},
    "tls_days_left": 80,
    "tls_not_after": "2027-02-11T00:00:00+00:00",
}
REDIRECTED = {**HTTP, "final_url": "http://127.0.0.1:9/login", "redirects": 1}


@pytest.mark.parametrize(
    ("outcome", "at", "details", "stored"),
    [
        (Outcome.UP, AT, HTTP, {}),
        (Outcome.UP, AT, REDIRECTED, {"final_url": REDIRECTED["final_url"], "redirects": 1}),
        (Outcome.UP, AT, {"connect_ms": 0.3, "reply_excerpt": "+PONG"}, {}),
        (Outcome.UP, AT, {"ping": "success", "log": "done"}, {"ping": "success", "log": "done"}),
        (Outcome.UP, AT.replace(minute=0), HTTP, HTTP),
        (Outcome.DOWN, AT, HTTP, HTTP),
        (Outcome.DEGRADED, AT, HTTP, HTTP),
        (Outcome.MAINTENANCE, AT, {**HTTP, "verdict": "up"}, {**HTTP, "verdict": "up"}),
    ],
)
def test_a_passing_check_keeps_only_details_out_of_the_routine(
    outcome: Outcome, at: datetime, details: dict[str, Any], stored: dict[str, Any]
) -> None:
    assert check_result(1, at, outcome, details=details).stored_details() == stored
