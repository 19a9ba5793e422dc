import asyncio
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from tests.conftest import Clock
from tests.factories import http_spec
from upwatch.domain.monitors import MonitorSpec
from upwatch.domain.results import ProbeResult
from upwatch.domain.status import Outcome
from upwatch.engine import runner as runner_module
from upwatch.engine.jobs import CheckJob
from upwatch.engine.runner import Runner
from upwatch.probes.base import Probe, ProbeContext


class ScriptedProbe:
    """A probe whose behaviour the test chooses: sleep, crash, or answer."""

    kind = "http"

    def __init__(self) -> None:
        self.sleep = 0.0
        self.crash = False
        self.running = 0
        self.most_running = 0

    async def check(self, spec: MonitorSpec, context: ProbeContext) -> ProbeResult:
        self.running += 1
        self.most_running = max(self.most_running, self.running)
        try:
            await asyncio.sleep(self.sleep)
            if self.crash:
                raise RuntimeError("bug")
            return ProbeResult(Outcome.UP, latency_ms=1.0)
        finally:
            self.running -= 1


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> ScriptedProbe:
    scripted = ScriptedProbe()

    def probe_for(kind: str) -> Probe:
        return scripted

    monkeypatch.setattr(runner_module, "probe_for", probe_for)
    return scripted


def _jobs(clock: Clock, count: int, **spec: object) -> list[CheckJob]:
    return [
        CheckJob(monitor_id=n, scheduled_at=clock(), spec=http_spec(**spec)) for n in range(count)
    ]


async def test_a_probe_that_overruns_its_timeout_is_not_run_never_down(
    probe: ScriptedProbe, clock: Clock
) -> None:
    probe.sleep = 5
    runner = Runner(context=ProbeContext(), max_in_flight=5, clock=clock)
    (checked,) = await runner.run_batch(_jobs(clock, 1, timeout=0.1, interval=10))
    assert checked.outcome is Outcome.NOT_RUN
    assert checked.result.error == "probe overran its 0.1 s timeout"


async def test_a_crashing_probe_is_not_run_never_down(probe: ScriptedProbe, clock: Clock) -> None:
    probe.crash = True
    runner = Runner(context=ProbeContext(), max_in_flight=5, clock=clock)
    (checked,) = await runner.run_batch(_jobs(clock, 1))
    assert checked.outcome is Outcome.NOT_RUN
    assert checked.result.error == "internal error: RuntimeError"


async def test_a_check_started_an_interval_late_is_not_run(
    probe: ScriptedProbe, clock: Clock
) -> None:
    jobs = _jobs(clock, 1, interval=60)
    clock.advance(61)
    (checked,) = await Runner(context=ProbeContext(), max_in_flight=5, clock=clock).run_batch(jobs)
    assert checked.outcome is Outcome.NOT_RUN
    assert checked.started_at - checked.scheduled_at == timedelta(seconds=61)


async def test_in_flight_probes_are_bounded(probe: ScriptedProbe, clock: Clock) -> None:
    probe.sleep = 0.01
    runner = Runner(context=ProbeContext(), max_in_flight=7, clock=clock)
    results = await runner.run_batch(_jobs(clock, 50))
    assert [r.outcome for r in results] == [Outcome.UP] * 50
    assert probe.most_running == 7


async def test_run_each_delivers_every_result_as_soon_as_it_is_done(
    probe: ScriptedProbe, clock: Clock
) -> None:
    probe.sleep = 0.2
    runner = Runner(context=ProbeContext(), max_in_flight=3, clock=clock)
    delivered: list[int] = []

    await runner.run_each(_jobs(clock, 7), lambda result: delivered.append(result.monitor_id))
    # All started: the in-flight bound held the last ones back until slots were free.
    assert probe.most_running == 3
    assert runner.running > 0
    await runner.drain()
    assert sorted(delivered) == list(range(7))
    assert runner.running == 0


async def test_run_each_lets_no_slow_check_hold_back_the_others(
    probe: ScriptedProbe, clock: Clock
) -> None:
    runner = Runner(context=ProbeContext(), max_in_flight=10, clock=clock)
    delivered: list[int] = []
    probe.sleep = 1.0
    await runner.run_each(_jobs(clock, 1), lambda result: delivered.append(result.monitor_id))
    await asyncio.sleep(0.05)  # the slow check is under way
    probe.sleep = 0.0
    fast = [CheckJob(monitor_id=99, scheduled_at=clock(), spec=http_spec())]
    await runner.run_each(fast, lambda result: delivered.append(result.monitor_id))
    await asyncio.sleep(0.1)
    assert delivered == [99]
    await runner.drain()
    assert delivered == [99, 0]


async def test_the_in_flight_gauge_follows_the_probes_within_a_sweep(
    probe: ScriptedProbe, clock: Clock
) -> None:
    def in_flight() -> float:
        return REGISTRY.get_sample_value("upwatch_in_flight_probes") or 0.0

    before = in_flight()
    probe.sleep = 0.8
    runner = Runner(context=ProbeContext(), max_in_flight=5, clock=clock)
    batch = asyncio.create_task(runner.run_batch(_jobs(clock, 3)))
    await asyncio.sleep(runner_module.OVERRUN_SWEEP_SECONDS * 2)
    assert in_flight() - before == 3
    await batch
    await asyncio.sleep(runner_module.OVERRUN_SWEEP_SECONDS * 2)
    assert in_flight() == before


async def test_cancelling_a_batch_is_not_taken_for_an_overrun(
    probe: ScriptedProbe, clock: Clock
) -> None:
    probe.sleep = 5
    runner = Runner(context=ProbeContext(), max_in_flight=5, clock=clock)
    batch = asyncio.create_task(runner.run_batch(_jobs(clock, 2)))
    await asyncio.sleep(0.05)
    batch.cancel()
    with pytest.raises(asyncio.CancelledError):
        await batch
