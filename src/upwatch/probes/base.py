"""The Probe interface and the shared resources every probe is handed."""

import asyncio
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from upwatch.domain.monitors import MonitorSpec
from upwatch.domain.results import ProbeResult
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.curl_driver import CurlDriver

# What probes keep per monitor (plans, request options, name lookups) is kept for this many:
# more than one process checks at the 100,000-monitor target, so none is worked out again
# every interval.
MONITORS_KEPT = 131_072


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TrustStore:
    """Where the certificates TLS verification trusts are: a PEM bundle and/or a directory."""

    cafile: str | None
    capath: str | None


@cache
def _system_trust_store() -> TrustStore:
    # What OpenSSL would use (SSL_CERT_FILE and SSL_CERT_DIR included), told to libcurl
    # explicitly: its bundled OpenSSL was built for another system's paths.
    paths = ssl.get_default_verify_paths()
    return TrustStore(paths.cafile, paths.capath)


@cache
def _ssl_context(trust: Path | None) -> ssl.SSLContext:
    # Loading a trust store costs milliseconds: do it once per process and store.
    return ssl.create_default_context(cafile=trust)


@dataclass(slots=True)
class ProbeContext:
    """What a probe may use besides its monitor's configuration.

    The clock is injectable so certificate arithmetic can be tested at any date; ``tls_trust``
    (a PEM file of CA certificates) replaces the system trust store: a private CA, or a test's.
    Probes open a new connection per check; the HTTP probe's transfers run in one libcurl
    driver per event loop, which ``aclose()`` (or ``async with``) stops.
    """

    policy: TargetPolicy = field(default_factory=TargetPolicy)
    now: Callable[[], datetime] = _utc_now
    tls_trust: Path | None = None
    _drivers: dict[asyncio.AbstractEventLoop, CurlDriver] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def verifying_tls_context(self) -> ssl.SSLContext:
        """An SSL context that checks the chain against the trust store and the host name."""
        return _ssl_context(self.tls_trust)

    def trust_store(self) -> TrustStore:
        if self.tls_trust is None:
            return _system_trust_store()
        return TrustStore(str(self.tls_trust), None)

    def http_driver(self) -> CurlDriver:
        """The running event loop's HTTP driver, started on first use."""
        loop = asyncio.get_running_loop()
        driver = self._drivers.get(loop)
        if driver is None or driver.closed:
            driver = self._drivers[loop] = CurlDriver(loop)
        return driver

    async def aclose(self) -> None:
        """Stop the HTTP drivers; a later check starts a new one."""
        drivers = list(self._drivers.values())
        self._drivers.clear()
        for driver in drivers:
            driver.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class Probe(Protocol):
    """Checks one monitor once. Never raises for the target's failures: they are results.

    The caller bounds the whole call with the monitor's timeout; a probe that times out is
    reported DOWN by the caller.
    """

    kind: str

    async def check(self, spec: MonitorSpec, context: ProbeContext) -> ProbeResult: ...
