"""What the command line chose for this run."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    quick: bool
    healthchecks: Path | None = None
    uptime_kuma: Path | None = None
    # Scale only: run just these setups ("serve-sqlite", "fleet-postgresql", ...), these sizes,
    # and this monitor mix ("standard": 80 % HTTP, 20 % TCP; "tcp": TCP only).
    scale_setups: tuple[str, ...] = ()
    scale_sizes: tuple[int, ...] = ()
    scale_mix: str = "standard"
