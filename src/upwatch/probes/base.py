"""The Probe interface and the shared resources every probe is handed."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from upwatch.domain.monitors import MonitorSpec
from upwatch.domain.results import ProbeResult
from upwatch.domain.targets import TargetPolicy


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ProbeContext:
    """What a probe may use besides its monitor's configuration.

    The clock is injectable so certificate arithmetic can be tested at any date.
    """

    policy: TargetPolicy = field(default_factory=TargetPolicy)
    now: Callable[[], datetime] = _utc_now


class Probe(Protocol):
    """Checks one monitor once. Never raises for the target's failures: they are results.

    The caller bounds the whole call with the monitor's timeout; a probe that times out is
    reported DOWN by the caller.
    """

    kind: str

    async def check(self, spec: MonitorSpec, context: ProbeContext) -> ProbeResult: ...
