"""The HTTP probe's redirects, hop by hop, and the target policy on every hop."""

from base64 import b64encode
from ipaddress import IPv4Network
from typing import Any

import pytest
from yarl import URL

from tests.probes import http_monitor
from tests.probes.conftest import BASIC_PASSWORD, BASIC_USER, BEARER_TOKEN
from upwatch.domain.status import Outcome
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.base import ProbeContext
from upwatch.probes.http import HttpProbe, _redirected
from upwatch.probes.http_client import HttpRequest

PROBE = HttpProbe()
METADATA_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.170.2/v2/credentials",
    "http://[fd00:ec2::254]/latest/api/token",
]


@pytest.mark.parametrize(
    ("path", "fields", "outcome", "error", "final_path", "redirects"),
    [
        ("/redirect?to=text", {}, Outcome.UP, None, "/text", 1),
        ("/redirect?to={base}/text&status=301", {}, Outcome.UP, None, "/text", 1),
        ("/redirect?to=/chain/0&status=308", {}, Outcome.UP, None, "/text", 2),
        ("/chain/3", {}, Outcome.UP, None, "/text", 4),
        ("/chain/3", {"max_redirects": 4}, Outcome.UP, None, "/text", 4),
        ("/form", {"method": "POST", "body_contains": ["thank"]}, Outcome.UP, None, "/form", 1),
        ("/redirect?to=text", {"follow_redirects": False}, Outcome.UP, None, "/redirect", 0),
        (
            "/redirect?to=text",
            {"follow_redirects": False, "expect_status": ["200"]},
            Outcome.DOWN,
            "status 302 not in 200",
            "/redirect",
            0,
        ),
    ],
)
async def test_redirects_are_followed_hop_by_hop(
    http_url: str,
    context: ProbeContext,
    path: str,
    fields: dict[str, Any],
    outcome: Outcome,
    error: str | None,
    final_path: str,
    redirects: int,
) -> None:
    result = await PROBE.check(
        http_monitor(http_url + path.format(base=http_url), **fields), context
    )

    assert (result.outcome, result.error) == (outcome, error)
    assert result.details["final_url"].startswith(http_url + final_path)
    assert result.details["redirects"] == redirects


@pytest.mark.parametrize(
    ("path", "fields", "error"),
    [
        ("/chain/3", {"max_redirects": 3}, "too many redirects: more than 3"),
        ("/chain/1", {"max_redirects": 0}, "too many redirects: more than 0"),
        ("/loop/a", {}, "redirect loop: {base}/loop/a was already visited"),
        ("/redirect?to=ftp://example.test/file", {}, "redirect to a non-HTTP URL"),
    ],
)
async def test_redirects_that_lead_nowhere_are_down(
    http_url: str, context: ProbeContext, path: str, fields: dict[str, Any], error: str
) -> None:
    result = await PROBE.check(http_monitor(http_url + path, **fields), context)

    assert result.outcome is Outcome.DOWN
    assert result.error is not None
    assert result.error.startswith(error.format(base=http_url))


@pytest.mark.parametrize(
    ("status", "method", "body", "expected_method", "expected_body"),
    [
        (303, "POST", "a=1", "GET", ""),
        (302, "POST", "a=1", "GET", ""),
        (307, "POST", "a=1", "POST", "a=1"),
        (308, "PUT", "a=1", "PUT", "a=1"),
        (301, "DELETE", None, "DELETE", ""),
    ],
)
async def test_redirects_keep_or_change_the_method_like_browsers(
    http_url: str,
    context: ProbeContext,
    status: int,
    method: str,
    body: str | None,
    expected_method: str,
    expected_body: str,
) -> None:
    spec = http_monitor(
        f"{http_url}/redirect?to=/echo&status={status}",
        method=method,
        body=body,
        json_assertions=[
            {"path": "$.method", "equals": expected_method},
            {"path": "$.body", "equals": expected_body},
        ],
    )

    result = await PROBE.check(spec, context)

    assert (result.outcome, result.error) == (Outcome.UP, None)


@pytest.mark.parametrize(
    ("location", "authorization"),
    [("/echo", f"Bearer {BEARER_TOKEN}"), ("http://localhost:{port}/echo", "")],
)
async def test_credentials_go_only_to_the_monitored_origin(
    http_url: str, context: ProbeContext, location: str, authorization: str
) -> None:
    port = http_url.rsplit(":", 1)[1]
    spec = http_monitor(
        f"{http_url}/redirect?to={location.format(port=port)}",
        auth={"type": "bearer", "token": BEARER_TOKEN},
        json_assertions=[{"path": "$.authorization", "equals": authorization}],
    )

    result = await PROBE.check(spec, context)

    assert (result.outcome, result.error) == (Outcome.UP, None)


@pytest.mark.parametrize("metadata_url", METADATA_URLS)
@pytest.mark.parametrize("via_redirect", [False, True])
async def test_metadata_addresses_are_refused_directly_and_through_redirects(
    http_url: str, context: ProbeContext, metadata_url: str, via_redirect: bool
) -> None:
    url = f"{http_url}/redirect?to={metadata_url}" if via_redirect else metadata_url

    result = await PROBE.check(http_monitor(url), context)

    assert result.outcome is Outcome.DOWN
    assert result.error is not None
    assert result.error.startswith("target refused: ")
    assert "link-local or cloud metadata address" in result.error


@pytest.mark.parametrize(
    ("policy", "host", "outcome", "error"),
    [
        (TargetPolicy(allow_private=False), "127.0.0.1", Outcome.DOWN, "target refused: 127.0.0.1"),
        (TargetPolicy(allow_private=False), "localhost", Outcome.DOWN, "target refused: "),
        (
            TargetPolicy(allow_private=False, allowed_networks=(IPv4Network("127.0.0.0/8"),)),
            "127.0.0.1",
            Outcome.UP,
            None,
        ),
        (TargetPolicy(), "localhost", Outcome.UP, None),
    ],
)
async def test_the_target_policy_applies_to_literals_and_resolved_names(
    http_url: str, policy: TargetPolicy, host: str, outcome: Outcome, error: str | None
) -> None:
    url = http_url.replace("127.0.0.1", host) + "/text"

    async with ProbeContext(policy=policy) as context:
        result = await PROBE.check(http_monitor(url), context)

    assert result.outcome is outcome
    assert (result.error or "").startswith(error or "")


@pytest.mark.parametrize(
    ("location", "outcome"),
    [("/auth/basic", Outcome.UP), ("http://localhost:{port}/auth/basic", Outcome.DOWN)],
)
async def test_credentials_in_the_url_go_on_only_to_the_monitored_origin(
    http_url: str, context: ProbeContext, location: str, outcome: Outcome
) -> None:
    port = http_url.rsplit(":", 1)[1]
    with_credentials = http_url.replace("http://", f"http://{BASIC_USER}:{BASIC_PASSWORD}@")
    spec = http_monitor(f"{with_credentials}/redirect?to={location.format(port=port)}")

    result = await PROBE.check(spec, context)

    assert result.outcome == outcome
    assert BASIC_PASSWORD not in result.details["final_url"]


async def test_a_password_without_a_user_name_goes_on_to_the_monitored_origin(
    http_url: str, context: ProbeContext
) -> None:
    with_password = http_url.replace("http://", f"http://:{BASIC_PASSWORD}@")
    sent = "Basic " + b64encode(f":{BASIC_PASSWORD}".encode()).decode()
    spec = http_monitor(
        f"{with_password}/redirect?to=/echo",
        json_assertions=[{"path": "$.authorization", "equals": sent}],
    )

    result = await PROBE.check(spec, context)

    assert (result.outcome, result.error) == (Outcome.UP, None)


@pytest.mark.parametrize(
    ("monitored", "location", "followed"),
    [
        ("http://u:p@example.com/a", "http://example.com:80/b", "http://u:p@example.com/b"),
        ("https://u:p@example.com/a", "https://EXAMPLE.com:443/b", "https://u:p@example.com/b"),
        ("http://u:p@example.com/a", "http://example.com:8080/b", "http://example.com:8080/b"),
        ("http://u:p@example.com/a", "https://example.com/b", "https://example.com/b"),
    ],
)
def test_the_default_port_spelled_out_is_the_same_origin(
    monitored: str, location: str, followed: str
) -> None:
    # Decided before any connection: no server need listen on port 80 or 443 for this.
    spec = http_monitor(monitored, auth={"type": "bearer", "token": BEARER_TOKEN})
    first = HttpRequest("GET", URL(monitored), (), None, verify_tls=True)

    hop = _redirected(spec, URL(monitored), first, 302, location)

    assert str(hop.url) == followed
    assert (("Authorization", f"Bearer {BEARER_TOKEN}") in hop.headers) == ("u:p@" in followed)


async def test_a_redirect_loop_is_reported_without_the_urls_credentials(
    http_url: str, context: ProbeContext
) -> None:
    with_credentials = http_url.replace("http://", f"http://{BASIC_USER}:{BASIC_PASSWORD}@")

    result = await PROBE.check(http_monitor(f"{with_credentials}/loop/a"), context)

    assert result.error == f"redirect loop: {http_url}/loop/a was already visited"
