"""DNS probe: resolve a name and require every expected value among the answers."""

import time
from functools import lru_cache

import dns.asyncresolver
import dns.exception
import dns.name
import dns.resolver
from dns.rdata import Rdata
from dns.rdtypes.ANY.TXT import TXT

from upwatch.domain.monitors import DnsMonitor, MonitorSpec
from upwatch.domain.results import ProbeResult
from upwatch.domain.status import Outcome
from upwatch.domain.targets import IPAddress, TargetPolicy, literal_address, parse_host_port
from upwatch.errors import TargetRefusedError
from upwatch.probes.base import ProbeContext
from upwatch.probes.guard import ensure_allowed, refused


class DnsProbe:
    kind = "dns"

    async def check(self, spec: MonitorSpec, context: ProbeContext) -> ProbeResult:
        if not isinstance(spec, DnsMonitor):
            raise TypeError(f"the dns probe cannot check a {spec.kind} monitor")
        try:
            resolver = _checked_resolver(spec.resolver, context.policy)
        except TargetRefusedError as exc:
            return refused(str(exc))
        started = time.perf_counter()
        try:
            answer = await resolver.resolve(
                _absolute_name(spec.hostname),
                spec.record_type,
                lifetime=spec.timeout,
                search=False,
            )
        except dns.resolver.NXDOMAIN:
            return _down(f"{spec.hostname} does not exist (NXDOMAIN)")
        except dns.resolver.NoAnswer:
            return _down(f"{spec.hostname} has no {spec.record_type} records")
        except dns.exception.Timeout:
            return _down(f"timed out after {spec.timeout:g} s waiting for a DNS answer")
        except dns.exception.DNSException as exc:
            return _down(f"DNS query failed: {exc}")
        latency_ms = (time.perf_counter() - started) * 1000
        answers = sorted(answer_text(rdata) for rdata in answer)
        details = {"answers": answers, "ttl": answer.rrset.ttl if answer.rrset else None}
        missing = _missing(spec, answers)
        if missing:
            error = (
                f"{spec.record_type} answers lack {', '.join(missing)}; "
                f"found {', '.join(answers) or 'nothing'}"
            )
            return ProbeResult(Outcome.DOWN, latency_ms=latency_ms, error=error, details=details)
        return ProbeResult(Outcome.UP, latency_ms=latency_ms, details=details)


def answer_text(rdata: Rdata) -> str:
    """How an answer reads in details and messages; TXT strings are joined, unquoted."""
    if isinstance(rdata, TXT):
        return b"".join(rdata.strings).decode(errors="replace")
    return str(rdata.to_text())


def normalised(record_type: str, value: str) -> str:
    """The form in which answers and expected values compare: names without case or trailing
    dot, addresses canonical, MX as "preference exchange"."""
    value = value.strip()
    if record_type in ("A", "AAAA"):
        address = literal_address(value)
        return str(address) if address else value
    if record_type == "TXT":
        return value
    if record_type == "MX":
        preference, _, exchange = value.rpartition(" ")
        return f"{int(preference)} {_name(exchange)}" if preference.isdigit() else _name(value)
    return _name(value)


def _name(value: str) -> str:
    return value.lower().rstrip(".")


def _missing(spec: DnsMonitor, answers: list[str]) -> list[str]:
    if not spec.expected:
        return []
    found = {normalised(spec.record_type, answer) for answer in answers}
    if spec.record_type == "MX":
        # An expected exchange without a preference matches any preference.
        found |= {answer.partition(" ")[2] for answer in found}
    return [value for value in spec.expected if normalised(spec.record_type, value) not in found]


def _checked_resolver(nameserver: str | None, policy: TargetPolicy) -> dns.asyncresolver.Resolver:
    if nameserver is None:
        return _resolver(None)
    address, port = _nameserver(nameserver)
    ensure_allowed(address, policy)
    return _resolver((str(address), port))


@lru_cache(maxsize=256)
def _nameserver(nameserver: str) -> tuple[IPAddress, int]:
    # Monitors name few resolvers, and name them again every interval.
    host, port = parse_host_port(nameserver, default_port=53)
    address = literal_address(host)
    if address is None:
        raise ValueError(f"DnsMonitor admits only IP resolvers, got {host!r}")
    return address, port


@lru_cache(maxsize=16_384)
def _absolute_name(hostname: str) -> dns.name.Name:
    # Parsing the name is a good part of a query's cost; monitors ask for the same names.
    return dns.name.from_text(hostname)


@lru_cache(maxsize=256)
def _resolver(nameserver: tuple[str, int] | None) -> dns.asyncresolver.Resolver:
    # Resolvers hold configuration only; reusing them spares reading resolv.conf per check.
    if nameserver is None:
        return dns.asyncresolver.Resolver()
    resolver = dns.asyncresolver.Resolver(configure=False)
    resolver.nameservers = [nameserver[0]]
    resolver.port = nameserver[1]
    return resolver


def _down(error: str) -> ProbeResult:
    return ProbeResult(outcome=Outcome.DOWN, error=error)
