"""Monitor specs for the probe tests, validated like user input."""

from typing import Any

from upwatch.domain.monitors import DnsMonitor, HttpMonitor, TcpMonitor, TlsMonitor, parse_monitor


def http_monitor(url: str, **fields: Any) -> HttpMonitor:
    spec = parse_monitor({"kind": "http", "name": "web", "url": url, "timeout": 5} | fields)
    assert isinstance(spec, HttpMonitor)
    return spec


def tcp_monitor(host: str, port: int, **fields: Any) -> TcpMonitor:
    spec = parse_monitor({"kind": "tcp", "name": "port", "host": host, "port": port} | fields)
    assert isinstance(spec, TcpMonitor)
    return spec


def tls_monitor(host: str, port: int, **fields: Any) -> TlsMonitor:
    spec = parse_monitor({"kind": "tls", "name": "cert", "host": host, "port": port} | fields)
    assert isinstance(spec, TlsMonitor)
    return spec


def dns_monitor(hostname: str, record_type: str, **fields: Any) -> DnsMonitor:
    spec = parse_monitor(
        {"kind": "dns", "name": "dns", "hostname": hostname, "record_type": record_type} | fields
    )
    assert isinstance(spec, DnsMonitor)
    return spec
