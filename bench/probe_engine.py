"""Probe engine: HTTP, TCP and DNS checks per second on one core, beside their ceilings."""

import json
import tempfile
from collections import Counter
from pathlib import Path

from bench.lib.proc import PYTHON, Processes, pinned, run
from bench.lib.report import Figure, Section, table
from bench.lib.stats import ratio
from bench.lib.targets import start_dns_server, start_nginx
from bench.lib.wrk import WrkResult, wrk
from bench.options import Options

NAME = "probes"
CLIENT_CPU, SERVER_CPU = "0", "1"
# HTTP is measured in pairs (wrk, then Upwatch) and quoted by the pair of median ratio: single
# runs on these machines vary by ±10 %, more than the gaps measured.
HTTP_PAIRS = 3


def _load(kind: str, target: str, seconds: float) -> dict[str, object]:
    command = [PYTHON, "-m", "bench.lib.probe_load", kind, target, str(seconds)]
    result: dict[str, object] = json.loads(run(pinned(command, CLIENT_CPU)).splitlines()[-1])
    return result


def _http_pair(url: str, seconds: int) -> tuple[WrkResult, dict[str, object]]:
    ceiling = wrk(
        url, seconds=seconds, connections=64, headers=("Connection: close",), cpus=CLIENT_CPU
    )
    return ceiling, _load("http", url, seconds)


def _rate(result: dict[str, object]) -> float:
    return float(result["checks"]) / float(result["seconds"])  # type: ignore[arg-type]


def _cpu_us(result: dict[str, object]) -> float:
    return float(result["cpu_seconds"]) / float(result["checks"]) * 1e6  # type: ignore[arg-type]


def run_benchmark(options: Options) -> Section:
    seconds = 3 if options.quick else 10
    pair_seconds = 3 if options.quick else 6
    section = Section("Probe engine: checks per second on one core")
    with tempfile.TemporaryDirectory(prefix="upwatch-bench-") as tmp, Processes(Path(tmp)) as procs:
        nginx = start_nginx(procs, Path(tmp), workers=1, cpus=SERVER_CPU)
        dns_port = start_dns_server(procs, cpus=SERVER_CPU)
        pairs = [_http_pair(nginx.url, pair_seconds) for _ in range(HTTP_PAIRS)]
        pairs.sort(key=lambda pair: ratio(_rate(pair[1]), pair[0].requests_per_second))
        ceiling, http = pairs[len(pairs) // 2]
        tcp_target = f"127.0.0.1:{nginx.port}"
        tcp = _load("tcp", tcp_target, seconds)
        tcp_bare = _load("tcp-bare", tcp_target, seconds)
        dns_target = f"127.0.0.1:{dns_port}"
        dns = _load("dns", dns_target, seconds)
        dns_bare = _load("dns-bare", dns_target, seconds)
    section.figures = [
        Figure(
            "HTTP checks/s, one core, new connection each",
            _rate(http),
            "checks/s",
            ceiling.requests_per_second,
            "wrk -H 'Connection: close', same core",
            target=0.5 * ceiling.requests_per_second,
        ),
        Figure(
            "TCP checks/s, one core",
            _rate(tcp),
            "checks/s",
            _rate(tcp_bare),
            "bare uvloop connect+close, same core",
        ),
        Figure(
            "DNS checks/s, one core",
            _rate(dns),
            "checks/s",
            _rate(dns_bare),
            "bare dnspython async UDP query, same core",
        ),
    ]
    rows = []
    for name, result in (
        ("HTTP (Upwatch)", http),
        ("TCP (Upwatch)", tcp),
        ("TCP (bare)", tcp_bare),
        ("DNS (Upwatch)", dns),
        ("DNS (bare)", dns_bare),
    ):
        outcomes = result.get("outcomes")
        rows.append(
            [
                name,
                f"{_rate(result):,.0f}",
                f"{_cpu_us(result):,.0f}",
                ", ".join(f"{k} {v}" for k, v in Counter(outcomes).items())
                if isinstance(outcomes, dict)
                else "—",
            ]
        )
    rows.append(
        [
            "wrk Connection: close (C)",
            f"{ceiling.requests_per_second:,.0f}",
            "—",
            f"non-2xx {ceiling.non_2xx}, socket errors {ceiling.socket_errors}",
        ]
    )
    section.tables.append(table(["client", "checks/s", "CPU µs per check", "outcomes"], rows))
    section.tables.append(
        table(
            ["HTTP pair (sorted by ratio)", "wrk req/s", "Upwatch checks/s", "ratio"],
            [
                [
                    str(number),
                    f"{wrk_run.requests_per_second:,.0f}",
                    f"{_rate(upwatch):,.0f}",
                    f"{ratio(_rate(upwatch), wrk_run.requests_per_second):.3g}\u00d7",
                ]
                for number, (wrk_run, upwatch) in enumerate(pairs, start=1)
            ],
        )
    )
    section.method = [
        f"Client pinned to CPU {CLIENT_CPU} with taskset, nginx (1 worker) and the DNS server "
        f"pinned to CPU {SERVER_CPU}; {seconds} s per client after a 1 s warm-up.",
        f"HTTP: {HTTP_PAIRS} pairs of {pair_seconds} s runs, wrk then Upwatch; the figures are "
        "the pair whose ratio is the median.",
        "Upwatch clients run `upwatch.engine.runner.Runner.run_each` then `drain` on uvloop, as "
        "serve and the workers do, with batches of 1,000 jobs of one monitor spec, results "
        "delivered one by one; max in flight = the default "
        "`UPWATCH_MAX_IN_FLIGHT_PROBES`; "
        "the Runner calls the probe from the registry exactly as the engine does (HTTP: the "
        "probes' HTTP/1.1 client on libcurl (pycurl), its transfers driven by one thread per event "
        "loop, a new connection per check, `Connection: close`). Process CPU includes that "
        "thread's.",
        "wrk: 1 thread, 64 connections, `Connection: close`, on the same core as the client.",
        "The HTTP target is 0.5 times the wrk ceiling measured in this run. Other helpers and test "
        "runs were using the machine's CPUs at the same time, so absolute rates vary; CPU per "
        "check is the steadier figure.",
    ]
    outcomes = http.get("outcomes")
    not_up = {
        k: v for k, v in (outcomes if isinstance(outcomes, dict) else {}).items() if k != "up"
    }
    if not_up:
        section.method.append(f"Not every HTTP check was UP: {not_up} — the rate is suspect.")
    return section
