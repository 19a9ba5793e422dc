"""Checks of an HTTP response against a monitor's assertions; the probe passes the response."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from json import JSONDecodeError, dumps, loads
from typing import Any

import jsonpath
from jsonpath import JSONPath, JSONPathError

from upwatch.domain.monitors import HttpMonitor
from upwatch.domain.status import Outcome
from upwatch.domain.status_codes import status_accepted


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status_code: int
    headers: Mapping[str, str]
    body: str
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    error: str | None = None


@lru_cache(maxsize=4096)
def compile_json_path(path: str) -> JSONPath:
    try:
        compiled = jsonpath.compile(path)
    except JSONPathError as exc:
        raise ValueError(f"invalid JSONPath: {exc}") from exc
    if not isinstance(compiled, JSONPath):
        raise ValueError("compound JSONPath expressions are not supported")
    return compiled


def needs_body(monitor: HttpMonitor) -> bool:
    return bool(
        monitor.body_contains
        or monitor.body_not_contains
        or monitor.body_regex
        or monitor.json_assertions
    )


def evaluate(monitor: HttpMonitor, response: HttpResponse) -> Verdict:
    """The first failed assertion makes the check DOWN; slowness alone makes it DEGRADED."""
    failure = _first_failure(monitor, response)
    if failure:
        return Verdict(Outcome.DOWN, failure)
    if monitor.degraded_after_ms is not None and response.elapsed_ms > monitor.degraded_after_ms:
        return Verdict(
            Outcome.DEGRADED,
            f"response took {response.elapsed_ms:.0f} ms, over {monitor.degraded_after_ms} ms",
        )
    return Verdict(Outcome.UP)


def _first_failure(monitor: HttpMonitor, response: HttpResponse) -> str | None:
    if not status_accepted(response.status_code, monitor.accepted_status):
        return f"status {response.status_code} not in {', '.join(monitor.expect_status)}"
    for header in monitor.header_assertions:
        failure = _header_failure(header.name, header.equals, header.regex, response.headers)
        if failure:
            return failure
    for needle in monitor.body_contains:
        if needle not in response.body:
            return f"body does not contain {needle!r}"
    for needle in monitor.body_not_contains:
        if needle in response.body:
            return f"body contains {needle!r}"
    if monitor.body_regex and not re.search(monitor.body_regex, response.body):
        return f"body does not match /{monitor.body_regex}/"
    if monitor.json_assertions:
        return _json_failure(monitor, response.body)
    return None


def _header_failure(
    name: str, equals: str | None, regex: str | None, headers: Mapping[str, str]
) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == name.lower()), None)
    if value is None:
        return f"header {name} is missing"
    if equals is not None and value != equals:
        return f"header {name} is {value!r}, expected {equals!r}"
    if regex is not None and not re.search(regex, value):
        return f"header {name} value {value!r} does not match /{regex}/"
    return None


def _json_failure(monitor: HttpMonitor, body: str) -> str | None:
    try:
        document = loads(body)
    except JSONDecodeError as exc:
        return f"body is not JSON: {exc.msg} at position {exc.pos}"
    for assertion in monitor.json_assertions:
        matches = compile_json_path(assertion.path).findall(document)
        if assertion.equals is not None:
            if not matches:
                return f"{assertion.path} matched nothing"
            if not _same(matches[0], assertion.equals):
                return f"{assertion.path} is {matches[0]!r}, expected {assertion.equals!r}"
        elif not any(_holds(match, assertion.contains) for match in matches):
            return f"{assertion.path} does not contain {assertion.contains!r}"
    return None


def _same(actual: Any, expected: Any) -> bool:
    """JSON-aware equality: "true" matches true, 1 matches 1.0, but true never matches 1."""
    if isinstance(expected, str):
        return (actual if isinstance(actual, str) else dumps(actual)) == expected
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    return isinstance(actual, int | float) and actual == expected


def _holds(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str):
        return str(expected) in actual
    if isinstance(actual, list):
        return any(_same(item, expected) for item in actual)
    return _same(actual, expected)
