"""The machine and the versions a result was measured with."""

import os
import platform
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.lib.proc import REPO


def _output(*command: str) -> str:
    try:
        done = subprocess.run(  # noqa: S603 - our own fixed commands
            command, capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return "not found"
    return (done.stdout + done.stderr).strip() or "unknown"


def _first_match(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    return found.group(1) if found else text.splitlines()[0] if text else "unknown"


@dataclass(frozen=True)
class Machine:
    cpu_model: str
    cores: int
    ram_gib: float
    kernel: str
    load_at_start: str

    def markdown(self) -> str:
        return (
            f"{self.cpu_model}, {self.cores} cores, {self.ram_gib:.1f} GiB RAM, "
            f"Linux {self.kernel}; load average at start {self.load_at_start}"
        )


def machine() -> Machine:
    with open("/proc/cpuinfo") as cpuinfo:
        model = _first_match(r"model name\s*:\s*(.+)", cpuinfo.read())
    with open("/proc/meminfo") as meminfo:
        kib = int(_first_match(r"MemTotal:\s*(\d+)", meminfo.read()))
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    return Machine(model, os.cpu_count() or 0, kib / 1024 / 1024, platform.release(), load)


def commit_of(repo: Path) -> str:
    """The checked-out commit, marked when tracked files differ from it."""
    sha = _output("git", "-C", str(repo), "rev-parse", "--short=12", "HEAD")
    # ``_output`` answers "unknown" for no output, which a clean tree gives: ask the exit code.
    try:
        changed = subprocess.run(  # noqa: S603 - our own fixed command
            ["git", "-C", str(repo), "diff", "--quiet", "HEAD"],  # noqa: S607 - git from PATH
            capture_output=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return sha  # no git: ``_output`` said so already
    return f"{sha} (with uncommitted changes)" if changed.returncode == 1 else sha


def versions() -> dict[str, str]:
    return {
        "Python": platform.python_version(),
        "Upwatch": commit_of(REPO),
        "PostgreSQL": _first_match(r"(\d+\.\d+)", _output("psql", "--version")),
        "Redis": _first_match(r"v=(\S+)", _output("redis-server", "--version")),
        "nginx": _first_match(r"nginx/(\S+)", _output("nginx", "-v")),
        "wrk": _first_match(r"wrk (\S+)", _output("wrk", "-v")),
    }
