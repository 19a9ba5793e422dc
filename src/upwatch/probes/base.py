"""The Probe interface and the shared resources every probe is handed."""

import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from types import TracebackType
from typing import Protocol, Self

from upwatch.domain.monitors import MonitorSpec
from upwatch.domain.results import ProbeResult
from upwatch.domain.targets import TargetPolicy


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
    replaces the system trust store (a private CA, or a test's). Probes open a new connection
    per check and keep nothing between checks, so a context may serve any number of loops;
    ``aclose()`` (or ``async with``) is kept so that owners close what they open, uniformly.
    """

    policy: TargetPolicy = field(default_factory=TargetPolicy)
    now: Callable[[], datetime] = _utc_now
    tls_trust: ssl.SSLContext | None = None

    def verifying_tls_context(self) -> ssl.SSLContext:
        """An SSL context that checks the chain against the trust store and the host name."""
        return self.tls_trust or _system_trust()

    async def aclose(self) -> None:
        """Nothing is held open between checks: closing is immediate."""

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
