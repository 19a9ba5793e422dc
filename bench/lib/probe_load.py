"""Checks as the engine runs them, for a while, on this process's core.

``python -m bench.lib.probe_load KIND TARGET SECONDS`` prints one JSON line: checks, wall
seconds, CPU seconds, outcomes. KIND is http, tcp or dns (Upwatch's probes through the Runner)
or tcp-bare / dns-bare (the same work without Upwatch: the reference).
"""

import asyncio
import json
import resource
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import uvloop

from upwatch.domain.monitors import parse_monitor
from upwatch.domain.results import CheckResult
from upwatch.engine.jobs import CheckJob
from upwatch.engine.long_lived import tune_collector
from upwatch.engine.runner import Runner
from upwatch.probes.base import ProbeContext
from upwatch.settings import Settings

BATCH = 1000
WARM_UP_SECONDS = 1.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _config(kind: str, target: str) -> dict[str, object]:
    host, _, port = target.rpartition(":")
    if kind == "http":
        return {"kind": "http", "url": target}
    if kind == "tcp":
        return {"kind": "tcp", "host": host, "port": int(port)}
    return {"kind": "dns", "hostname": "www.bench.test", "resolver": target}


async def _upwatch(kind: str, target: str, seconds: float) -> dict[str, object]:
    settings = Settings()
    spec = parse_monitor({"name": "bench", "interval": 60, **_config(kind, target)})
    outcomes: Counter[str] = Counter()
    async with ProbeContext(policy=settings.target_policy) as context:
        runner = Runner(
            context=context,
            max_in_flight=settings.max_in_flight_probes,
            clock=lambda: datetime.now(UTC),
        )

        def deliver(result: CheckResult) -> None:
            outcomes[result.result.outcome.value] += 1

        async def batch() -> int:
            # As serve and the fleet's workers run checks: a task each, results delivered one
            # by one as they finish.
            scheduled = datetime.now(UTC)
            await runner.run_each((CheckJob(n, scheduled, spec) for n in range(BATCH)), deliver)
            await runner.drain()
            return BATCH

        # Outcomes of the warm-up are left out with its checks.
        measured = await _measure(batch, seconds, reset=outcomes.clear)
    measured["outcomes"] = dict(outcomes)
    return measured


async def _bare(kind: str, target: str, seconds: float) -> dict[str, object]:
    """The floor: the same connections or queries with nothing of Upwatch around them."""
    host, _, port = target.rpartition(":")
    slots = asyncio.Semaphore(Settings().max_in_flight_probes)

    async def tcp_once() -> None:
        async with slots:
            _, writer = await asyncio.open_connection(host, int(port))
            writer.close()
            await writer.wait_closed()

    import dns.asyncquery
    import dns.exception
    import dns.message

    lost: Counter[str] = Counter()

    async def dns_once() -> None:
        async with slots:
            query = dns.message.make_query("www.bench.test", "A")
            try:
                await dns.asyncquery.udp(query, host, timeout=5, port=int(port))
            except dns.exception.Timeout:
                # UDP may drop a datagram on a saturated machine: count it, don't abort the run.
                lost["timed out"] += 1

    once = tcp_once if kind == "tcp-bare" else dns_once

    async def batch() -> int:
        await asyncio.gather(*(once() for _ in range(BATCH)))
        return BATCH

    measured = await _measure(batch, seconds, reset=lost.clear)
    if lost:
        measured["outcomes"] = dict(lost)
    return measured


async def _measure(
    batch: Callable[[], Awaitable[int]], seconds: float, reset: Callable[[], None] = lambda: None
) -> dict[str, object]:
    warm_until = time.monotonic() + WARM_UP_SECONDS
    while time.monotonic() < warm_until:
        await batch()
    reset()
    checks, started, cpu = 0, time.monotonic(), _cpu()
    while time.monotonic() - started < seconds:
        checks += await batch()
    return {"checks": checks, "seconds": time.monotonic() - started, "cpu_seconds": _cpu() - cpu}


def main() -> None:
    kind, target, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    work = _bare if kind.endswith("-bare") else _upwatch
    tune_collector()  # as every role does at start-up
    print(json.dumps(uvloop.run(work(kind, target, seconds))))


if __name__ == "__main__":
    main()
