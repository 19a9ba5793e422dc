"""How a result or a ping is named in the log when the store refuses it: enough to find it,
nothing secret (no ping token, body or probe details)."""

from collections.abc import Mapping

from upwatch.domain.results import CheckResult
from upwatch.services.pings import Ping


def result_label(result: CheckResult) -> Mapping[str, object]:
    return {
        "monitor_id": result.monitor_id,
        "scheduled_at": result.scheduled_at.isoformat(),
        "outcome": result.outcome.value,
    }


def ping_label(ping: Ping) -> Mapping[str, object]:
    return {
        "intake_id": ping.intake_id,
        "monitor_id": ping.monitor_id,
        "kind": ping.kind.value,
        "received_at": ping.received_at.isoformat(),
    }
