"""A poison message ends in its dead-letter queue and shows in `upwatch status` and /metrics."""

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.fleet import fleet
from upwatch.engine.backlog import measure_backlog
from upwatch.settings import Settings
from upwatch.worker.celery_app import CHECKS, TASK_RUN_CHECKS, create_celery

pytestmark = pytest.mark.e2e


async def test_a_poison_message_is_dead_lettered_and_counted(
    tmp_path: Path, redis_broker: str
) -> None:
    with fleet(tmp_path, redis_broker) as running:
        celery = create_celery(Settings(broker_url=redis_broker))
        celery.send_task(
            TASK_RUN_CHECKS,
            args=[[{"monitor_id": 1, "scheduled_at": "not a time", "spec": {}}]],
            queue=CHECKS,
            headers={"enqueued_at": time.time()},
        )
        running.start("worker", "worker", "--concurrency=1")

        deadline = time.monotonic() + 30
        depths: dict[str, int] = {}
        while time.monotonic() < deadline:
            depths = {q.queue: q.depth for q in await asyncio.to_thread(measure_backlog, celery)}
            if depths.get("checks-dlq") == 1:
                break
            await asyncio.sleep(0.5)
        assert depths.get("checks-dlq") == 1, running.log("worker")[-3000:]
        assert depths["checks"] == 0
        assert "message dead-lettered" in running.log("worker")

        status = await asyncio.to_thread(running.cli, "status")
        assert status.returncode == 0, status.stderr
        rows = {line.split()[0]: line.split()[1:] for line in status.stdout.splitlines()[1:]}
        assert rows["checks-dlq"][0] == "1"
        assert rows["checks"][0] == "0"
        assert "checks due" in status.stdout

        running.start_api()
        async with httpx.AsyncClient(base_url=running.api_url, timeout=10) as client:
            metrics = (await client.get("/metrics")).text
        assert 'upwatch_queue_depth{queue="checks-dlq"} 1.0' in metrics
        assert 'upwatch_queue_oldest_message_age_seconds{queue="checks-dlq"}' in metrics
