"""HTTP probe: one request (and its redirects, each hop checked), judged by the assertions."""

import asyncio
import time
from base64 import b64encode
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from yarl import URL

from upwatch.domain.assertions import HttpResponse, evaluate, needs_body
from upwatch.domain.monitors import BasicAuth, HttpMonitor, MonitorSpec
from upwatch.domain.results import ProbeResult
from upwatch.domain.status import Outcome
from upwatch.errors import TargetRefusedError
from upwatch.probes.base import ProbeContext
from upwatch.probes.guard import refused
from upwatch.probes.http_body import EXCERPT_LIMIT, encoded_excerpt, excerpt, text_of
from upwatch.probes.http_client import HttpRequest, HttpRequestError, send
from upwatch.probes.http_client import HttpResponse as Response
from upwatch.probes.http_timer import RequestTimer
from upwatch.probes.tls import unverified_tls_context
from upwatch.probes.tls_certificates import certificate_expiry

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
BODY_LIMIT = 1 << 20
_SEVERITY = {Outcome.UP: 0, Outcome.DEGRADED: 1, Outcome.DOWN: 2}


class _UnfollowableRedirectError(Exception):
    """A redirect the probe will not follow; its message is the check's error."""


@dataclass(frozen=True, slots=True)
class _Hop:
    method: str
    url: URL
    body: str | None


class HttpProbe:
    kind = "http"

    async def check(self, spec: MonitorSpec, context: ProbeContext) -> ProbeResult:
        if not isinstance(spec, HttpMonitor):
            raise TypeError(f"the http probe cannot check a {spec.kind} monitor")
        timer = RequestTimer()
        try:
            async with asyncio.timeout(spec.timeout):
                return await _fetch(spec, context, timer)
        except TimeoutError:
            return ProbeResult(
                outcome=Outcome.DOWN,
                error=f"timed out after {spec.timeout:g} s",
                details={"timings": timer.breakdown()},
            )
        except TargetRefusedError as exc:
            return refused(str(exc))
        except _UnfollowableRedirectError as exc:
            return ProbeResult(outcome=Outcome.DOWN, error=str(exc))
        except HttpRequestError as exc:
            return ProbeResult(
                outcome=Outcome.DOWN, error=str(exc), details={"timings": timer.breakdown()}
            )


async def _fetch(spec: HttpMonitor, context: ProbeContext, timer: RequestTimer) -> ProbeResult:
    origin = _parsed(str(spec.url))
    hop = _Hop(spec.method, origin, spec.body)
    visited = {(hop.method, hop.url)}
    tls = context.verifying_tls_context() if spec.verify_tls else unverified_tls_context()
    reads_body = needs_body(spec)
    started = time.perf_counter()
    for redirects in range(spec.max_redirects + 1):
        request = HttpRequest(
            hop.method,
            hop.url,
            _headers(spec, same_origin=redirects == 0 or hop.url.origin() == origin.origin()),
            hop.body,
            tls,
        )
        response = await send(
            request,
            policy=context.policy,
            timer=timer,
            body_limit=BODY_LIMIT if reads_body else EXCERPT_LIMIT,
            decompress=reads_body,
        )
        try:
            location = response.headers.get("Location")
            if not (spec.follow_redirects and response.status in REDIRECT_STATUSES and location):
                latency_ms = (time.perf_counter() - started) * 1000
                return await _judge(spec, context, response, latency_ms, redirects, timer)
            hop = _redirected(hop, response.status, response.url, location)
        finally:
            response.close()
        if (hop.method, hop.url) in visited:
            raise _UnfollowableRedirectError(f"redirect loop: {hop.url} was already visited")
        visited.add((hop.method, hop.url))
    raise _UnfollowableRedirectError(f"too many redirects: more than {spec.max_redirects}")


@lru_cache(maxsize=16_384)
def _parsed(url: str) -> URL:
    # Monitors check the same URLs every interval; yarl's URLs are immutable.
    return URL(url)


def _redirected(hop: _Hop, status: int, current: URL, location: str) -> _Hop:
    try:
        target = current.join(URL(location))
    except ValueError as exc:
        message = f"redirect to an invalid URL {location!r}: {exc}"
        raise _UnfollowableRedirectError(message) from exc
    if target.scheme not in ("http", "https") or not target.host:
        raise _UnfollowableRedirectError(f"redirect to a non-HTTP URL {location!r}")
    # What browsers do: 303 turns any method but HEAD into GET, 301/302 turn POST into GET.
    if (status == 303 and hop.method != "HEAD") or (status in (301, 302) and hop.method == "POST"):
        return _Hop("GET", target, None)
    return _Hop(hop.method, target, hop.body)


def _headers(spec: HttpMonitor, *, same_origin: bool) -> dict[str, str]:
    """The monitor's headers; credentials go only to the monitor's own origin."""
    if not same_origin:
        return {k: v for k, v in spec.headers.items() if k.lower() != "authorization"}
    headers = dict(spec.headers)
    if isinstance(spec.auth, BasicAuth):
        pair = f"{spec.auth.username}:{spec.auth.password}".encode()
        headers["Authorization"] = f"Basic {b64encode(pair).decode()}"
    elif spec.auth is not None:
        headers["Authorization"] = f"Bearer {spec.auth.token}"
    return headers


async def _judge(
    spec: HttpMonitor,
    context: ProbeContext,
    response: Response,
    latency_ms: float,
    redirects: int,
    timer: RequestTimer,
) -> ProbeResult:
    """Latency is to the final response's headers, so it does not depend on reading the body."""
    details: dict[str, Any] = {"final_url": str(response.url), "redirects": redirects}
    body = ""
    if needs_body(spec):
        raw, truncated = await response.read()
        body = text_of(raw, response.charset)
        if truncated:
            details["body_truncated_at"] = BODY_LIMIT
    verdict = evaluate(
        spec,
        HttpResponse(
            status_code=response.status,
            headers=response.headers,
            body=body,
            elapsed_ms=latency_ms,
        ),
    )
    outcome, error = verdict.outcome, verdict.error
    if response.url.scheme == "https":
        tls_outcome, tls_error = _grade_certificate(spec, context, response, details)
        if _SEVERITY[tls_outcome] > _SEVERITY[outcome]:
            outcome, error = tls_outcome, tls_error
    if outcome is Outcome.DOWN:
        details["body_excerpt"] = excerpt(body) if needs_body(spec) else await _excerpt(response)
    details["timings"] = timer.breakdown()
    return ProbeResult(
        outcome=outcome,
        latency_ms=latency_ms,
        error=error,
        status_code=response.status,
        details=details,
    )


def _grade_certificate(
    spec: HttpMonitor,
    context: ProbeContext,
    response: Response,
    details: dict[str, Any],
) -> tuple[Outcome, str | None]:
    certificate = response.peer_certificate
    if not certificate:
        return Outcome.DOWN, "the server sent no certificate"
    try:
        expiry = certificate_expiry(
            certificate,
            now=context.now(),
            warning_days=spec.tls_warning_days,
            critical_days=spec.tls_critical_days,
        )
    except ValueError as exc:
        return Outcome.DOWN, f"unreadable certificate: {exc}"
    details["tls_days_left"] = expiry.days_left
    details["tls_not_after"] = expiry.not_after.isoformat()
    return expiry.outcome, expiry.error


async def _excerpt(response: Response) -> str:
    """The start of a body that was not read for the assertions, for the incident's cause."""
    try:
        raw, _ = await response.read()
    except HttpRequestError:
        return ""
    encoding = response.headers.get("Content-Encoding")
    return encoded_excerpt(raw, content_encoding=encoding, charset=response.charset)
