"""A check to run: the unit the scheduler dispatches in batches."""

from dataclasses import dataclass
from datetime import datetime

from upwatch.domain.monitors import MonitorSpec


@dataclass(frozen=True, slots=True)
class CheckJob:
    monitor_id: int
    scheduled_at: datetime
    spec: MonitorSpec
