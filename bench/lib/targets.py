"""Local targets: nginx serving a small page, a DNS server, a slow webhook receiver."""

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.lib.proc import PYTHON, Processes, free_port, wait_http, wait_port

PAGE = b"<!doctype html><title>ok</title><p>Upwatch benchmark target: ok</p>\n"
NGINX_CONFIG = """
daemon off;
master_process on;
worker_processes {workers};
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 16384; }}
http {{
    access_log off;
    client_body_temp_path {root}/tmp;
    proxy_temp_path {root}/tmp;
    fastcgi_temp_path {root}/tmp;
    uwsgi_temp_path {root}/tmp;
    scgi_temp_path {root}/tmp;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {root}/www;
        location / {{ }}
    }}
}}
"""


@dataclass(frozen=True)
class Nginx:
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def start_nginx(
    processes: Processes, work: Path, *, workers: int = 1, cpus: str | None = None
) -> Nginx:
    """nginx with a config of its own in ``work``, as a non-daemon child."""
    root = work / "nginx"
    (root / "www").mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(exist_ok=True)
    (root / "www" / "index.html").write_bytes(PAGE)
    # nginx's workers run as nobody when started by root: they must reach the page.
    for path in (work, root, root / "www"):
        path.chmod(0o755)
    (root / "www" / "index.html").chmod(0o644)
    port = free_port()
    config = root / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(workers=workers, root=root, port=port))
    processes.start("nginx", ["nginx", "-c", str(config), "-p", str(root)], cpus=cpus)
    nginx = Nginx(port)
    wait_http(nginx.url, processes=processes)
    return nginx


def start_dns_server(processes: Processes, *, cpus: str | None = None) -> int:
    """An authoritative server for bench.test on UDP; returns its port."""
    port = free_port()
    processes.start("dns-server", [PYTHON, "-m", "bench.lib.dns_server", str(port)], cpus=cpus)
    _wait_dns(port)
    return port


def _wait_dns(port: int) -> None:
    import time

    import dns.message
    import dns.query

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            dns.query.udp(dns.message.make_query("www.bench.test", "A"), "127.0.0.1", 1, port)
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError("the benchmark DNS server did not answer")


@dataclass(frozen=True)
class Receiver:
    port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def arrivals(self) -> list[tuple[str, float]]:
        """(path, wall-clock arrival time) of every request received so far."""
        with urllib.request.urlopen(self.url("/__arrivals"), timeout=10) as response:  # noqa: S310
            return [(path, at) for path, at in json.load(response)]

    def reset(self) -> None:
        urllib.request.urlopen(self.url("/__reset"), timeout=10).close()  # noqa: S310


def start_receiver(processes: Processes, *, delay: float) -> Receiver:
    """A webhook receiver that takes ``delay`` seconds per request."""
    port = free_port()
    processes.start("receiver", [PYTHON, "-m", "bench.lib.receiver", str(port), str(delay)])
    wait_port(port)
    return Receiver(port)
