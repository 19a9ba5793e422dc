"""``upwatch check``: run monitors once, now, without a database."""

from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from upwatch.domain.monitors import MonitorSpec, parse_monitor
from upwatch.domain.status import Outcome
from upwatch.engine.jobs import CheckJob
from upwatch.engine.runner import Runner
from upwatch.errors import ConfigurationError
from upwatch.monitor_files import load_monitor_file
from upwatch.probes.base import ProbeContext
from upwatch.settings import Settings
from upwatch.web.errors import problems


def _specs(file: Path | None, url: str | None) -> list[MonitorSpec]:
    if file is not None:
        return load_monitor_file(file)
    try:
        return [parse_monitor({"kind": "http", "name": url, "url": url, "interval": 60})]
    except ValidationError as exc:
        details = "; ".join(f"{p['field']}: {p['message']}" for p in problems(exc.errors()))
        raise ConfigurationError(f"--url: {details}") from exc


async def run_checks_once(
    *, settings: Settings, file: Path | None, url: str | None
) -> tuple[list[str], bool]:
    specs = [spec for spec in _specs(file, url) if spec.kind != "heartbeat"]
    context = ProbeContext(policy=settings.target_policy)
    now = datetime.now(UTC)
    runner = Runner(
        context=context,
        max_in_flight=settings.max_in_flight_probes,
        clock=lambda: datetime.now(UTC),
    )
    try:
        results = await runner.run_batch(
            [CheckJob(monitor_id=i, scheduled_at=now, spec=s) for i, s in enumerate(specs)]
        )
    finally:
        await context.aclose()
    lines = []
    for spec, checked in zip(specs, results, strict=True):
        result = checked.result
        latency = f"{result.latency_ms:.0f} ms" if result.latency_ms is not None else "-"
        reason = f"  {result.error}" if result.error else ""
        lines.append(f"{result.outcome.value.upper():8} {latency:>8}  {spec.name}{reason}")
    return lines, any(c.outcome is Outcome.DOWN for c in results)
