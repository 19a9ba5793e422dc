from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from tests.factories import heartbeat_spec, http_spec
from upwatch.domain.status import PingKind
from upwatch.engine.jobs import CheckJob
from upwatch.engine.messages import (
    SpecMemo,
    job_from_message,
    job_to_message,
    ping_from_message,
    ping_to_message,
)
from upwatch.services.pings import Ping

AT = datetime(2026, 11, 23, 12, 0, 30, 123456, tzinfo=UTC)


@pytest.mark.parametrize("spec", [http_spec(headers={"X": "1"}, retries=2), heartbeat_spec()])
def test_jobs_survive_the_broker(spec: object) -> None:
    job = CheckJob(monitor_id=7, scheduled_at=AT, spec=spec)  # type: ignore[arg-type]
    assert job_from_message(job_to_message(job)) == job


@pytest.mark.parametrize("monitor_id", [3, None])
def test_pings_survive_the_broker(monitor_id: int | None) -> None:
    ping = Ping(
        intake_id="abc",
        token="tok",
        monitor_id=monitor_id,
        received_at=AT,
        kind=PingKind.FAIL,
        method="POST",
        exit_code=3,
        body="log",
        body_truncated=True,
        remote_addr="127.0.0.1",
        user_agent="curl",
    )
    assert ping_from_message(ping_to_message(ping)) == ping


def test_a_malformed_job_is_refused() -> None:
    message = job_to_message(CheckJob(monitor_id=1, scheduled_at=AT, spec=http_spec()))
    message["spec"]["interval"] = 1
    with pytest.raises(ValidationError):
        job_from_message(message)


def test_a_spec_memo_converts_each_spec_once_and_sees_changes() -> None:
    specs = SpecMemo()
    spec = http_spec()
    job = CheckJob(monitor_id=7, scheduled_at=AT, spec=spec)
    message = job_to_message(job, specs)
    assert job_to_message(job, specs)["spec"] is message["spec"]
    received = job_from_message(message, specs)
    assert received == job
    assert job_from_message(job_to_message(job), specs).spec is received.spec

    changed = job_to_message(CheckJob(7, AT, http_spec(url="http://127.0.0.1:10/")), specs)
    assert str(job_from_message(changed, specs).spec.url) == "http://127.0.0.1:10/"  # type: ignore[union-attr]
