"""Refusing monitors whose targets Upwatch must not contact, before anything is stored."""

from upwatch.domain.monitors import MonitorSpec, contacted_hosts
from upwatch.domain.targets import TargetPolicy
from upwatch.errors import ValidationFailedError
from upwatch.probes.guard import check_target


async def ensure_allowed_targets(spec: MonitorSpec, policy: TargetPolicy) -> None:
    """Resolve each host now; probes check again at every connection and redirect."""
    problems = []
    for field, host in contacted_hosts(spec):
        reason = await check_target(host, policy)
        if reason:
            problems.append((field, f"target refused: {reason}"))
    if problems:
        raise ValidationFailedError(problems)
