"""TLS probe: handshake with a server and grade its certificate's remaining validity."""

import asyncio
import ssl
import time
from functools import cache
from typing import Any

from upwatch.domain.monitors import MonitorSpec, TlsMonitor
from upwatch.domain.results import ProbeResult
from upwatch.domain.status import Outcome
from upwatch.errors import TargetRefusedError
from upwatch.probes.base import ProbeContext
from upwatch.probes.guard import refused
from upwatch.probes.tcp import close_stream, connect_checked, connect_error
from upwatch.probes.tls_certificates import certificate_expiry


@cache
def unverified_tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def describe_tls_error(error: ssl.SSLError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate verify failed: {error.verify_message}"
    return f"TLS handshake failed: {error.reason or error}"


class TlsProbe:
    kind = "tls"

    async def check(self, spec: MonitorSpec, context: ProbeContext) -> ProbeResult:
        if not isinstance(spec, TlsMonitor):
            raise TypeError(f"the tls probe cannot check a {spec.kind} monitor")
        tls = context.verifying_tls_context() if spec.verify else unverified_tls_context()
        started = time.perf_counter()
        connected_at: float | None = None
        try:
            async with asyncio.timeout(spec.timeout):
                _reader, writer = await connect_checked(spec.host, spec.port, context.policy)
                connected_at = time.perf_counter()
                try:
                    await writer.start_tls(tls, server_hostname=spec.sni or spec.host.strip("[]"))
                    certificate = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
                finally:
                    await close_stream(writer)
        except TargetRefusedError as exc:
            return refused(str(exc))
        except TimeoutError:
            phase = "connecting" if connected_at is None else "in the TLS handshake"
            return _down(f"timed out after {spec.timeout:g} s {phase}")
        except ssl.SSLError as exc:
            return _down(describe_tls_error(exc))
        except OSError as exc:
            if connected_at is None:
                return _down(connect_error(spec.host, spec.port, exc))
            return _down(f"connection lost in the TLS handshake: {exc.strerror or exc}")
        latency_ms = (time.perf_counter() - started) * 1000
        return _graded(spec, context, certificate, latency_ms, connected_at - started)


def _graded(
    spec: TlsMonitor,
    context: ProbeContext,
    certificate: bytes | None,
    latency_ms: float,
    connect_seconds: float,
) -> ProbeResult:
    if not certificate:
        return _down("the server sent no certificate", latency_ms)
    try:
        expiry = certificate_expiry(
            certificate,
            now=context.now(),
            warning_days=spec.warning_days,
            critical_days=spec.critical_days,
        )
    except ValueError as exc:
        return _down(f"unreadable certificate: {exc}", latency_ms)
    details: dict[str, Any] = {
        "not_after": expiry.not_after.isoformat(),
        "days_left": expiry.days_left,
        "subject": expiry.subject,
        "issuer": expiry.issuer,
        "connect_ms": round(connect_seconds * 1000, 3),
    }
    return ProbeResult(
        outcome=expiry.outcome, latency_ms=latency_ms, error=expiry.error, details=details
    )


def _down(error: str, latency_ms: float | None = None) -> ProbeResult:
    return ProbeResult(outcome=Outcome.DOWN, latency_ms=latency_ms, error=error)
