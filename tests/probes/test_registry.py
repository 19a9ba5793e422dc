"""One probe per network monitor kind, found by kind."""

from typing import get_args

import pytest

from upwatch.domain.monitors import MonitorBase
from upwatch.probes.registry import PROBES, probe_for

NETWORK_KINDS = ["http", "tcp", "dns", "tls"]


@pytest.mark.parametrize("kind", NETWORK_KINDS)
def test_each_network_kind_has_its_probe(kind: str) -> None:
    assert probe_for(kind).kind == kind


def test_every_monitor_kind_but_heartbeat_is_covered() -> None:
    kinds = {
        get_args(model.model_fields["kind"].annotation)[0] for model in MonitorBase.__subclasses__()
    }

    assert kinds - set(PROBES) == {"heartbeat"}
    assert sorted(PROBES) == sorted(NETWORK_KINDS)


def test_heartbeats_have_no_probe() -> None:
    with pytest.raises(KeyError, match="no probe checks 'heartbeat' monitors"):
        probe_for("heartbeat")
