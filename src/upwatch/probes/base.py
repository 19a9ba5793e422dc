"""The Probe interface and the shared resources every probe is handed."""

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from types import TracebackType
from typing import Protocol, Self

from aiohttp import ClientSession

from upwatch.domain.monitors import MonitorSpec
from upwatch.domain.results import ProbeResult
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.http_session import open_http_session


def _utc_now() -> datetime:
    return datetime.now(UTC)


@cache
def _system_trust() -> ssl.SSLContext:
    # Loading the system trust store costs milliseconds: do it once per process.
    return ssl.create_default_context()


@dataclass(slots=True)
class ProbeContext:
    """What a probe may use besides its monitor's configuration.

    The clock is injectable so certificate arithmetic can be tested at any date; ``tls_trust``
    replaces the system trust store (a private CA, or a test's). Use one context per event loop
    and close it with ``aclose()`` (or ``async with``) when the loop's work is done.
    """

    policy: TargetPolicy = field(default_factory=TargetPolicy)
    now: Callable[[], datetime] = _utc_now
    tls_trust: ssl.SSLContext | None = None
    _http_session: ClientSession | None = field(default=None, init=False, repr=False)

    def http_session(self) -> ClientSession:
        """The context's one HTTP session, created on first use inside the running loop."""
        if self._http_session is None or self._http_session.closed:
            self._http_session = open_http_session(self.policy)
        return self._http_session

    def verifying_tls_context(self) -> ssl.SSLContext:
        """An SSL context that checks the chain against the trust store and the host name."""
        return self.tls_trust or _system_trust()

    async def aclose(self) -> None:
        if self._http_session is not None:
            await self._http_session.close()
            self._http_session = None

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
