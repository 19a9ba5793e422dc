"""The probe for each monitor kind. Adding a kind: its module, plus one entry here."""

from collections.abc import Mapping
from types import MappingProxyType

from upwatch.probes.base import Probe
from upwatch.probes.dns import DnsProbe
from upwatch.probes.http import HttpProbe
from upwatch.probes.tcp import TcpProbe
from upwatch.probes.tls import TlsProbe

_PROBES: tuple[Probe, ...] = (HttpProbe(), TcpProbe(), DnsProbe(), TlsProbe())

PROBES: Mapping[str, Probe] = MappingProxyType({probe.kind: probe for probe in _PROBES})


def probe_for(kind: str) -> Probe:
    """The probe for ``kind``; heartbeats have none (pings come to Upwatch), so ``KeyError``."""
    try:
        return PROBES[kind]
    except KeyError:
        raise KeyError(f"no probe checks {kind!r} monitors") from None
