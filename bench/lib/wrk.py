"""Running wrk and reading its report."""

import re
from dataclasses import dataclass
from pathlib import Path

from bench.lib.proc import pinned, run

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    requests_per_second: float
    non_2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def ok(self) -> int:
        return self.requests - self.non_2xx


def _ms(value: str) -> float:
    reading = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if reading is None:
        raise ValueError(f"wrk reported a latency this harness cannot read: {value!r}")
    number, unit = reading.groups()
    return float(number) * _UNITS[unit]


def parse(output: str) -> WrkResult:
    requests, seconds = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output).groups()[:2]  # type: ignore[union-attr]
    unit = re.search(r"\d+ requests in [\d.]+(m?s)", output).group(1)  # type: ignore[union-attr]
    duration = float(seconds) * (60 if unit == "m" else 1)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    # The distribution's own lines: a thread's "+/- Stdev" column can also end in "99%".
    p50 = re.search(r"^\s+50%\s+(\S+)$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)$", output, re.MULTILINE)
    return WrkResult(
        requests=int(requests),
        seconds=duration,
        requests_per_second=rate,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(v) for v in errors.groups()) if errors else 0,
        p50_ms=_ms(p50.group(1)) if p50 else float("nan"),
        p99_ms=_ms(p99.group(1)) if p99 else float("nan"),
    )


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int = 1,
    headers: tuple[str, ...] = (),
    script: Path | None = None,
    cpus: str | None = None,
) -> WrkResult:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script is not None:
        command += ["-s", str(script)]
    return parse(run(pinned([*command, url], cpus), timeout=seconds + 120))
