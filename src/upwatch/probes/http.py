"""HTTP probe: one request (and its redirects, each hop checked), judged by the assertions."""

import time
from base64 import b64encode
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from yarl import URL

from upwatch.domain.assertions import HttpResponse, evaluate, needs_body
from upwatch.domain.monitors import BasicAuth, HttpMonitor, MonitorSpec
from upwatch.domain.results import ProbeResult
from upwatch.domain.status import Outcome
from upwatch.errors import TargetRefusedError
from upwatch.probes.base import MONITORS_KEPT, ProbeContext
from upwatch.probes.guard import refused
from upwatch.probes.http_body import EXCERPT_LIMIT, excerpt, text_of, undecoded_excerpt
from upwatch.probes.http_client import HttpRequest, send
from upwatch.probes.http_response import HttpRequestError
from upwatch.probes.http_response import HttpResponse as Response
from upwatch.probes.http_timer import RequestTimer
from upwatch.probes.tls_certificates import certificate_expiry

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
BODY_LIMIT = 1 << 20
_SEVERITY = {Outcome.UP: 0, Outcome.DEGRADED: 1, Outcome.DOWN: 2}
# For a response whose header fields were not read: no assertion looks at them.
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class _UnfollowableRedirectError(Exception):
    """A redirect the probe will not follow; its message is the check's error."""


class _Plan(NamedTuple):
    """What every check of one monitor starts with, worked out once per monitor."""

    origin: URL
    origin_text: str
    """The URL as results show it: without credentials."""
    first: HttpRequest
    reads_body: bool
    reads_headers: bool
    """The assertions look at header fields, or name the encoding of a body they cannot read."""
    body_limit: int


# Monitors are immutable and checked every interval: their plans are kept by identity.
_plans: dict[int, tuple[HttpMonitor, _Plan]] = {}


class HttpProbe:
    kind = "http"

    async def check(self, spec: MonitorSpec, context: ProbeContext) -> ProbeResult:
        if not isinstance(spec, HttpMonitor):
            raise TypeError(f"the http probe cannot check a {spec.kind} monitor")
        timer = RequestTimer()
        try:
            return await _fetch(spec, _plan(spec), context, timer)
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


def _plan(spec: HttpMonitor) -> _Plan:
    kept = _plans.get(id(spec))
    if kept is not None and kept[0] is spec:
        return kept[1]
    origin = URL(str(spec.url))
    reads_body = needs_body(spec)
    first = HttpRequest(
        spec.method, origin, _headers(spec, same_origin=True), spec.body, spec.verify_tls
    )
    limit = BODY_LIMIT if reads_body else EXCERPT_LIMIT
    reads_headers = reads_body or bool(spec.header_assertions)
    plan = _Plan(origin, str(origin.with_user(None)), first, reads_body, reads_headers, limit)
    if len(_plans) >= MONITORS_KEPT:
        _plans.clear()
    # The monitor is kept with its plan, so its id cannot be reused while the entry lives.
    _plans[id(spec)] = (spec, plan)
    return plan


async def _fetch(
    spec: HttpMonitor, plan: _Plan, context: ProbeContext, timer: RequestTimer
) -> ProbeResult:
    # libcurl bounds each request by what is left of the check's time: the probe honours its
    # timeout without a timer of the event loop's.
    deadline = time.monotonic() + spec.timeout
    request = plan.first
    visited: set[tuple[str, URL]] | None = None
    earlier_hops = 0.0
    for redirects in range(spec.max_redirects + 1):
        response = await send(
            request,
            context=context,
            timer=timer,
            body_limit=plan.body_limit,
            read_headers=plan.reads_headers,
            decompress=plan.reads_body,
            deadline=deadline,
        )
        location = (
            response.location
            if spec.follow_redirects and response.status in REDIRECT_STATUSES
            else None
        )
        if not location:
            latency_ms = (earlier_hops + response.waited) * 1000
            final_url = str(response.url.with_user(None)) if redirects else plan.origin_text
            return _judge(spec, context, response, final_url, latency_ms, redirects, timer)
        earlier_hops += response.duration
        if visited is None:
            visited = {(request.method, request.url)}
        request = _redirected(spec, plan.origin, request, response.status, location)
        if (request.method, request.url) in visited:
            shown = request.url.with_user(None)
            raise _UnfollowableRedirectError(f"redirect loop: {shown} was already visited")
        visited.add((request.method, request.url))
    raise _UnfollowableRedirectError(f"too many redirects: more than {spec.max_redirects}")


def _redirected(
    spec: HttpMonitor, origin: URL, hop: HttpRequest, status: int, location: str
) -> HttpRequest:
    try:
        target = hop.url.join(URL(location))
    except ValueError as exc:
        message = f"redirect to an invalid URL {location!r}: {exc}"
        raise _UnfollowableRedirectError(message) from exc
    if target.scheme not in ("http", "https") or not target.host:
        raise _UnfollowableRedirectError(f"redirect to a non-HTTP URL {location!r}")
    same_origin = _origin_of(target) == _origin_of(origin)
    if same_origin and _has_credentials(origin) and not _has_credentials(target):
        # libcurl reports where a redirect leads without the URL's credentials: they go on to
        # the monitor's own origin, as the auth field's header does.
        target = target.with_user(origin.user or "").with_password(origin.password)
    headers = _headers(spec, same_origin=same_origin)
    # What browsers do: 303 turns any method but HEAD into GET, 301/302 turn POST into GET.
    if (status == 303 and hop.method != "HEAD") or (status in (301, 302) and hop.method == "POST"):
        return HttpRequest("GET", target, headers, None, spec.verify_tls)
    return HttpRequest(hop.method, target, headers, hop.body, spec.verify_tls)


def _origin_of(url: URL) -> tuple[str, str | None, int | None]:
    # Not ``URL.origin()``: yarl tells ``http://host:80`` from ``http://host``, browsers don't.
    return url.scheme, url.host, url.port


def _has_credentials(url: URL) -> bool:
    # ``http://:secret@host/`` has a password and no user name.
    return url.user is not None or url.password is not None


def _headers(spec: HttpMonitor, *, same_origin: bool) -> tuple[tuple[str, str], ...]:
    """The monitor's headers; credentials go only to the monitor's own origin."""
    if not same_origin:
        return tuple((k, v) for k, v in spec.headers.items() if k.lower() != "authorization")
    headers = dict(spec.headers)
    if isinstance(spec.auth, BasicAuth):
        pair = f"{spec.auth.username}:{spec.auth.password}".encode()
        headers["Authorization"] = f"Basic {b64encode(pair).decode()}"
    elif spec.auth is not None:
        headers["Authorization"] = f"Bearer {spec.auth.token}"
    return tuple(headers.items())


def _judge(
    spec: HttpMonitor,
    context: ProbeContext,
    response: Response,
    final_url: str,
    latency_ms: float,
    redirects: int,
    timer: RequestTimer,
) -> ProbeResult:
    """Latency is to the final response's headers, so it does not depend on reading the body."""
    details: dict[str, Any] = {"final_url": final_url, "redirects": redirects}
    body = ""
    if needs_body(spec):
        body = text_of(response.body(), response.charset)
        if response.truncated:
            details["body_truncated_at"] = BODY_LIMIT
    verdict = evaluate(
        spec,
        HttpResponse(
            status_code=response.status,
            headers=_NO_HEADERS if response.headers is None else response.headers,
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
        details["body_excerpt"] = excerpt(body) if needs_body(spec) else _excerpt(response)
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


def _excerpt(response: Response) -> str:
    """The start of a body that was not read for the assertions, for the incident's cause."""
    try:
        raw = response.body()
    except (HttpRequestError, TimeoutError):
        return ""
    return undecoded_excerpt(raw, response.charset)
