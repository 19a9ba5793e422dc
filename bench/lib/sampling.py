"""CPU time and resident memory of process trees, read from /proc (Linux)."""

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            text = stat.read()
    except OSError:
        return None
    # The command name may contain spaces and parentheses: split after its last ')'.
    return text[text.rindex(")") + 2 :].split()


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _stat_fields(int(entry))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive now."""
    children = _children()
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process, plus that of its children it has waited for."""
    fields = _stat_fields(pid)
    if fields is None:
        return 0.0
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    fields = _stat_fields(pid)
    return int(fields[21]) * PAGE_SIZE if fields is not None else 0


def title(pid: int) -> str:
    """The process's command line as ``ps`` shows it (servers such as PostgreSQL rewrite it)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def pids_named(name: str) -> list[int]:
    """Processes whose command name is ``name`` (e.g. every ``postgres`` backend)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == name:
                        found.append(int(entry))
            except OSError:
                continue
    return found


@dataclass
class Role:
    """One role's process tree (or a fixed set of pids): CPU over a window, peak RSS."""

    name: str
    root: int | None = None
    named: str | None = None
    only: Callable[[int], bool] | None = None
    """With ``named``: keep only the processes this accepts."""
    cpu_by_pid: dict[int, float] = field(default_factory=dict)
    cpu_start: dict[int, float] = field(default_factory=dict)
    peak_rss: int = 0

    def pids(self) -> list[int]:
        if self.root is not None:
            return tree(self.root)
        named = pids_named(self.named or "")
        return named if self.only is None else [pid for pid in named if self.only(pid)]

    def sample(self) -> None:
        pids = self.pids()
        rss = 0
        for pid in pids:
            self.cpu_by_pid[pid] = cpu_seconds(pid) or self.cpu_by_pid.get(pid, 0.0)
            self.cpu_start.setdefault(pid, 0.0)
            rss += rss_bytes(pid)
        self.peak_rss = max(self.peak_rss, rss)

    def reset_cpu(self) -> None:
        """Start counting CPU now; processes that appear later count from their start."""
        self.sample()
        self.cpu_start = dict(self.cpu_by_pid)

    def cpu_used(self) -> float:
        return sum(cpu - self.cpu_start.get(pid, 0.0) for pid, cpu in self.cpu_by_pid.items())


class Sampler:
    """Samples roles every ``period`` seconds in a thread, for peak RSS and CPU time."""

    def __init__(self, roles: list[Role], period: float = 0.5) -> None:
        self.roles = roles
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> "Sampler":
        for role in self.roles:
            role.reset_cpu()
        self._thread.start()
        return self

    def window(self) -> None:
        """Start the measured window: CPU counts from here on; peak RSS keeps counting."""
        for role in self.roles:
            role.reset_cpu()

    def read(self) -> dict[str, float]:
        """Sample every role now; each one's CPU seconds since the window started."""
        for role in self.roles:
            role.sample()
        return {role.name: role.cpu_used() for role in self.roles}

    def stop(self) -> dict[str, float]:
        """Stop sampling; each role's CPU seconds since the window started, read last."""
        cpu = self.read()
        self._stop.set()
        self._thread.join()
        return cpu

    def _loop(self) -> None:
        while not self._stop.wait(self._period):
            started = time.monotonic()
            for role in self.roles:
                role.sample()
            # Reading /proc costs CPU too: never spend more than a tenth of the time on it.
            spent = time.monotonic() - started
            if spent > self._period / 10:
                self._stop.wait(spent * 10)
