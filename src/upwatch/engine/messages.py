"""Checks and pings as broker messages: plain JSON, small, and versioned by their fields."""

from datetime import datetime
from typing import Any

from upwatch.domain.monitors import MonitorSpec, parse_monitor
from upwatch.domain.status import PingKind
from upwatch.engine.jobs import CheckJob
from upwatch.engine.long_lived import FreezeAfter
from upwatch.services.deliveries import MESSAGE, DueDelivery
from upwatch.services.pings import Ping


def job_to_message(job: CheckJob, specs: "SpecMemo | None" = None) -> dict[str, Any]:
    return {
        "monitor_id": job.monitor_id,
        "scheduled_at": job.scheduled_at.isoformat(),
        "spec": specs.dump(job.spec) if specs else job.spec.model_dump(mode="json"),
    }


def job_from_message(message: dict[str, Any], specs: "SpecMemo | None" = None) -> CheckJob:
    monitor_id = int(message["monitor_id"])
    return CheckJob(
        monitor_id=monitor_id,
        scheduled_at=datetime.fromisoformat(message["scheduled_at"]),
        spec=specs.parse(monitor_id, message["spec"]) if specs else parse_monitor(message["spec"]),
    )


class SpecMemo:
    """Specs converted to and from JSON once, not once a minute per monitor: converting one
    costs more than everything else a check's message takes.

    Publishing, the same spec object (the scheduler keeps them while monitors are unchanged)
    is dumped once; receiving, a spec equal to the last one of its monitor is not validated
    again. Past ``limit`` entries, the memo starts afresh.
    """

    def __init__(self, limit: int = 250_000) -> None:
        self._limit = limit
        self._dumped: dict[int, tuple[MonitorSpec, dict[str, Any]]] = {}
        self._parsed: dict[int, tuple[dict[str, Any], MonitorSpec]] = {}
        self._long_lived = FreezeAfter()

    def dump(self, spec: MonitorSpec) -> dict[str, Any]:
        entry = self._dumped.get(id(spec))
        if entry is None or entry[0] is not spec:
            if len(self._dumped) >= self._limit:
                self._dumped.clear()
            entry = self._dumped[id(spec)] = (spec, spec.model_dump(mode="json"))
            self._long_lived.made()
        return entry[1]

    def parse(self, monitor_id: int, message: dict[str, Any]) -> MonitorSpec:
        entry = self._parsed.get(monitor_id)
        if entry is None or entry[0] != message:
            if len(self._parsed) >= self._limit:
                self._parsed.clear()
            entry = self._parsed[monitor_id] = (message, parse_monitor(message))
            self._long_lived.made()
        return entry[1]


def ping_to_message(ping: Ping) -> dict[str, Any]:
    return {
        "intake_id": ping.intake_id,
        "token": ping.token,
        "monitor_id": ping.monitor_id,
        "received_at": ping.received_at.isoformat(),
        "kind": ping.kind.value,
        "method": ping.method,
        "exit_code": ping.exit_code,
        "body": ping.body,
        "body_truncated": ping.body_truncated,
        "remote_addr": ping.remote_addr,
        "user_agent": ping.user_agent,
    }


def ping_from_message(message: dict[str, Any]) -> Ping:
    return Ping(
        intake_id=str(message["intake_id"]),
        token=str(message["token"]),
        monitor_id=message["monitor_id"],
        received_at=datetime.fromisoformat(message["received_at"]),
        kind=PingKind(message["kind"]),
        method=str(message["method"]),
        exit_code=message["exit_code"],
        body=str(message["body"]),
        body_truncated=bool(message["body_truncated"]),
        remote_addr=message["remote_addr"],
        user_agent=message["user_agent"],
    )


def delivery_to_message(delivery: DueDelivery) -> dict[str, Any]:
    """The channel's secrets stay sealed on the broker; only a worker with the key opens them."""
    return {
        "delivery_id": delivery.delivery_id,
        "channel_id": delivery.channel_id,
        "attempt": delivery.attempt,
        "sealed_channel": delivery.sealed_channel,
        "message": delivery.message.model_dump(mode="json"),
    }


def delivery_from_message(message: dict[str, Any]) -> DueDelivery:
    return DueDelivery(
        delivery_id=int(message["delivery_id"]),
        channel_id=int(message["channel_id"]),
        attempt=int(message["attempt"]),
        sealed_channel=dict(message["sealed_channel"]),
        message=MESSAGE.validate_python(message["message"]),
    )
