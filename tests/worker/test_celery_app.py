import pytest

from upwatch.errors import ConfigurationError
from upwatch.settings import Settings
from upwatch.worker.celery_app import QUEUES, batch_reprs, create_celery, transport_options


def test_each_queue_has_its_own_exchange_so_a_message_lands_once() -> None:
    app = create_celery(Settings(broker_url="redis://127.0.0.1:6379/0"))
    queues = {q.name: q for q in app.conf.task_queues}
    assert set(queues) == set(QUEUES)
    for name, queue in queues.items():
        assert (queue.exchange.name, queue.routing_key) == (name, name)
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


@pytest.mark.parametrize(
    ("broker_url", "expected"),
    [
        ("sqs://k:s@127.0.0.1:4566", {"is_secure": False, "region": "eu-west-1"}),
        ("sqs://", {"is_secure": True, "queue_name_prefix": "upwatch-"}),
        ("redis://127.0.0.1:6379/0", {"visibility_timeout": 300, "unacked_restore_throttle": 1}),
        ("amqp://guest:guest@127.0.0.1:5672//", {}),
    ],
)
def test_transport_options_follow_the_broker(broker_url: str, expected: dict[str, object]) -> None:
    options = transport_options(Settings(broker_url=broker_url, sqs_region="eu-west-1"))
    assert expected.items() <= options.items()
    if broker_url.startswith("sqs"):
        assert options["visibility_timeout"] == 300
        assert options["wait_time_seconds"] > 0  # long polling


def test_the_fleet_needs_a_broker() -> None:
    with pytest.raises(ConfigurationError, match="UPWATCH_BROKER_URL"):
        create_celery(Settings())


def test_a_batch_message_is_summarised_by_size_in_its_headers() -> None:
    assert batch_reprs([[{"body": "secret output"}] * 3]) == {
        "argsrepr": "[<batch of 3>]",
        "kwargsrepr": "{}",
    }


def test_a_malformed_message_is_summarised_too_for_its_dead_letter() -> None:
    assert batch_reprs((5, None), {"jobs": ("a",), "note": "x"}) == {
        "argsrepr": "[<int>, <NoneType>]",
        "kwargsrepr": "{'jobs': <batch of 1>, 'note': <str>}",
    }
    assert batch_reprs(()) == {"argsrepr": "[]", "kwargsrepr": "{}"}
