"""Accepted HTTP status codes written as "200", "200-299" or "2xx"."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

_RANGE = re.compile(r"^(?:(?P<class>[1-5])xx|(?P<low>\d{3})(?:-(?P<high>\d{3}))?)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class StatusCodeRange:
    low: int
    high: int

    def __contains__(self, code: object) -> bool:
        return isinstance(code, int) and self.low <= code <= self.high


def parse_status_ranges(specs: Sequence[str]) -> tuple[StatusCodeRange, ...]:
    return _parsed(tuple(specs))


@lru_cache(maxsize=4096)
def _parsed(specs: tuple[str, ...]) -> tuple[StatusCodeRange, ...]:
    # Every HTTP check asks for its monitor's ranges: parse each distinct list once.
    ranges = []
    for spec in specs:
        match = _RANGE.match(spec.strip())
        if not match:
            raise ValueError(f"{spec!r} is not a status code, range (200-299) or class (2xx)")
        if match["class"]:
            low = int(match["class"]) * 100
            ranges.append(StatusCodeRange(low, low + 99))
            continue
        low = int(match["low"])
        high = int(match["high"] or low)
        if not 100 <= low <= high <= 599:
            raise ValueError(f"{spec!r} is not a range of status codes between 100 and 599")
        ranges.append(StatusCodeRange(low, high))
    return tuple(ranges)


def status_accepted(code: int, ranges: tuple[StatusCodeRange, ...]) -> bool:
    return any(code in accepted for accepted in ranges)
