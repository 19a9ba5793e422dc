import re
from typing import Any

import pytest

from upwatch.domain.assertions import (
    HttpResponse,
    Verdict,
    compile_json_path,
    evaluate,
    needs_body,
)
from upwatch.domain.monitors import HttpMonitor, parse_monitor
from upwatch.domain.status import Outcome

UP = Verdict(Outcome.UP)


def _monitor(**fields: Any) -> HttpMonitor:
    spec = parse_monitor({"kind": "http", "name": "api", "url": "https://example.com/"} | fields)
    assert isinstance(spec, HttpMonitor)
    return spec


def _response(
    body: str = "", *, status: int = 200, headers: dict[str, str] | None = None, ms: float = 120.0
) -> HttpResponse:
    return HttpResponse(status_code=status, headers=headers or {}, body=body, elapsed_ms=ms)


def _down(error: str) -> Verdict:
    return Verdict(Outcome.DOWN, error)


@pytest.mark.parametrize(
    ("expect_status", "status", "verdict"),
    [
        (None, 200, UP),
        (None, 301, UP),
        (None, 399, UP),
        (None, 400, _down("status 400 not in 200-399")),
        (None, 199, _down("status 199 not in 200-399")),
        (["200"], 200, UP),
        (["200"], 204, _down("status 204 not in 200")),
        (["2xx", "404"], 404, UP),
        (["2xx", "404"], 299, UP),
        (["2xx", "404"], 500, _down("status 500 not in 2xx, 404")),
        (["5XX"], 503, UP),
        (["401-403"], 402, UP),
        (["401-403"], 404, _down("status 404 not in 401-403")),
    ],
)
def test_status_codes(expect_status: list[str] | None, status: int, verdict: Verdict) -> None:
    fields = {} if expect_status is None else {"expect_status": expect_status}

    assert evaluate(_monitor(**fields), _response(status=status)) == verdict


@pytest.mark.parametrize(
    ("fields", "body", "verdict"),
    [
        ({"body_contains": ["ok"]}, "all ok", UP),
        ({"body_contains": ["ok"]}, "all OK", _down("body does not contain 'ok'")),
        ({"body_contains": ["ready", "ok"]}, "ready", _down("body does not contain 'ok'")),
        ({"body_not_contains": ["error"]}, "fine", UP),
        ({"body_not_contains": ["error"]}, "an error happened", _down("body contains 'error'")),
        ({"body_regex": r"^\d+ items$"}, "12 items", UP),
        ({"body_regex": r"(?m)^status: up$"}, "name: api\nstatus: up\n", UP),
        ({"body_regex": r"^\d+ items$"}, "many items", _down(r"body does not match /^\d+ items$/")),
    ],
)
def test_body_assertions(fields: dict[str, Any], body: str, verdict: Verdict) -> None:
    assert evaluate(_monitor(**fields), _response(body)) == verdict


def _json_equals(path: str, expected: object) -> dict[str, Any]:
    return {"json_assertions": [{"path": path, "equals": expected}]}


def _json_contains(path: str, expected: object) -> dict[str, Any]:
    return {"json_assertions": [{"path": path, "contains": expected}]}


@pytest.mark.parametrize(
    ("fields", "body", "verdict"),
    [
        (_json_equals("$.status", "ok"), '{"status": "ok"}', UP),
        (
            _json_equals("$.status", "ok"),
            '{"status": "degraded"}',
            _down("$.status is 'degraded', expected 'ok'"),
        ),
        (_json_equals("$.count", 3), '{"count": 3}', UP),
        (_json_equals("$.count", 3), '{"count": 3.0}', UP),
        (_json_equals("$.ratio", 0.5), '{"ratio": 0.5}', UP),
        (_json_equals("$.count", 3), '{"count": "3"}', _down("$.count is '3', expected 3")),
        (_json_equals("$.count", "3"), '{"count": 3}', UP),
        (_json_equals("$.healthy", True), '{"healthy": true}', UP),
        (_json_equals("$.healthy", False), '{"healthy": false}', UP),
        (_json_equals("$.healthy", "true"), '{"healthy": true}', UP),
        (_json_equals("$.healthy", True), '{"healthy": 1}', _down("$.healthy is 1, expected True")),
        (_json_equals("$.count", 1), '{"count": true}', _down("$.count is True, expected 1")),
        (_json_equals("$.count", 0), '{"count": false}', _down("$.count is False, expected 0")),
        (
            _json_equals("$.healthy", True),
            '{"healthy": "true"}',
            _down("$.healthy is 'true', expected True"),
        ),
        (_json_equals("$.owner", "null"), '{"owner": null}', UP),
        (_json_equals("$.items[0].id", 7), '{"items": [{"id": 7}, {"id": 8}]}', UP),
        (_json_equals("$.missing", "x"), '{"status": "ok"}', _down("$.missing matched nothing")),
        (_json_contains("$.message", "ready"), '{"message": "service ready"}', UP),
        (_json_contains("$.regions", "eu"), '{"regions": ["us", "eu"]}', UP),
        (
            _json_contains("$.regions", "eu"),
            '{"regions": ["us", "europe"]}',
            _down("$.regions does not contain 'eu'"),
        ),
        (_json_contains("$.ids", 3), '{"ids": [1, 2, 3]}', UP),
        (_json_contains("$.ids", 3), '{"ids": ["3"]}', _down("$.ids does not contain 3")),
        (_json_contains("$.ids", "3"), '{"ids": [3]}', UP),
        (
            _json_contains("$.flags", True),
            '{"flags": [1, 0]}',
            _down("$.flags does not contain True"),
        ),
        (_json_contains("$.version", 2), '{"version": 2}', UP),
        (
            _json_contains("$.checks[*].name", "db"),
            '{"checks": [{"name": "cache"}, {"name": "db"}]}',
            UP,
        ),
        (_json_contains("$.missing", "x"), "{}", _down("$.missing does not contain 'x'")),
        (
            _json_equals("$.status", "ok"),
            "<html>oops</html>",
            _down("body is not JSON: Expecting value at position 0"),
        ),
        (
            _json_equals("$.status", "ok"),
            '{"status": ',
            _down("body is not JSON: Expecting value at position 11"),
        ),
    ],
)
def test_json_assertions(fields: dict[str, Any], body: str, verdict: Verdict) -> None:
    assert evaluate(_monitor(**fields), _response(body)) == verdict


def test_every_json_assertion_must_hold() -> None:
    monitor = _monitor(
        json_assertions=[
            {"path": "$.status", "equals": "ok"},
            {"path": "$.db", "equals": "up"},
        ]
    )

    assert evaluate(monitor, _response('{"status": "ok", "db": "down"}')) == _down(
        "$.db is 'down', expected 'up'"
    )


@pytest.mark.parametrize(
    ("assertion", "headers", "verdict"),
    [
        (
            {"name": "Content-Type", "equals": "application/json"},
            {"content-type": "application/json"},
            UP,
        ),
        (
            {"name": "content-type", "equals": "application/json"},
            {"Content-Type": "application/json"},
            UP,
        ),
        (
            {"name": "Content-Type", "equals": "application/json"},
            {"Content-Type": "text/html"},
            _down("header Content-Type is 'text/html', expected 'application/json'"),
        ),
        (
            {"name": "Content-Type", "equals": "application/json"},
            {"Content-Type": "Application/JSON"},
            _down("header Content-Type is 'Application/JSON', expected 'application/json'"),
        ),
        (
            {"name": "X-Request-Id", "equals": "1"},
            {"Server": "nginx"},
            _down("header X-Request-Id is missing"),
        ),
        (
            {"name": "cache-control", "regex": r"max-age=\d+"},
            {"Cache-Control": "public, max-age=60"},
            UP,
        ),
        (
            {"name": "Cache-Control", "regex": r"^max-age=\d+"},
            {"cache-control": "no-store"},
            _down(r"header Cache-Control value 'no-store' does not match /^max-age=\d+/"),
        ),
    ],
)
def test_header_assertions(
    assertion: dict[str, str], headers: dict[str, str], verdict: Verdict
) -> None:
    monitor = _monitor(header_assertions=[assertion])

    assert evaluate(monitor, _response(headers=headers)) == verdict


@pytest.mark.parametrize(
    ("elapsed_ms", "verdict"),
    [
        (499.0, UP),
        (500.0, UP),
        (500.4, Verdict(Outcome.DEGRADED, "response took 500 ms, over 500 ms")),
        (1234.0, Verdict(Outcome.DEGRADED, "response took 1234 ms, over 500 ms")),
    ],
)
def test_a_slow_response_is_degraded(elapsed_ms: float, verdict: Verdict) -> None:
    assert evaluate(_monitor(degraded_after_ms=500), _response(ms=elapsed_ms)) == verdict


def test_without_a_threshold_a_slow_response_is_up() -> None:
    assert evaluate(_monitor(), _response(ms=60_000.0)) == UP


def test_a_failed_assertion_outweighs_slowness() -> None:
    monitor = _monitor(degraded_after_ms=100, body_contains=["ok"])

    assert evaluate(monitor, _response("fail", ms=5_000.0)) == _down("body does not contain 'ok'")


def test_the_status_is_checked_before_headers_and_body() -> None:
    monitor = _monitor(
        header_assertions=[{"name": "X-Version", "equals": "2"}],
        body_contains=["ok"],
        json_assertions=[{"path": "$.status", "equals": "ok"}],
    )

    assert evaluate(monitor, _response("not json", status=502)) == _down(
        "status 502 not in 200-399"
    )
    assert evaluate(monitor, _response("not json")) == _down("header X-Version is missing")
    assert evaluate(monitor, _response("not json", headers={"X-Version": "2"})) == _down(
        "body does not contain 'ok'"
    )


@pytest.mark.parametrize(
    ("fields", "needed"),
    [
        ({}, False),
        ({"expect_status": ["2xx"], "degraded_after_ms": 300}, False),
        ({"header_assertions": [{"name": "Server", "equals": "nginx"}]}, False),
        ({"body_contains": ["ok"]}, True),
        ({"body_not_contains": ["error"]}, True),
        ({"body_regex": "ok"}, True),
        ({"json_assertions": [{"path": "$.ok", "equals": True}]}, True),
    ],
)
def test_the_body_is_read_only_for_assertions_on_it(fields: dict[str, Any], needed: bool) -> None:
    assert needs_body(_monitor(**fields)) is needed


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("$[", "invalid JSONPath: unexpected end of query"),
        ("$.a | $.b", "compound JSONPath expressions are not supported"),
        ("$.a & $.b", "compound JSONPath expressions are not supported"),
    ],
)
def test_unusable_json_paths_are_refused(path: str, error: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(error)):
        compile_json_path(path)
