"""What the command line chose for this run."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Options:
    quick: bool
    healthchecks: Path | None = None
    uptime_kuma: Path | None = None
