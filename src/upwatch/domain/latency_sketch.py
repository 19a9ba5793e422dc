"""A mergeable latency sketch: a log-bucket histogram with DDSketch's logarithmic mapping.

A latency ``x`` (ms) falls in bucket ``k = ceil(ln(x) / ln(GAMMA))`` with
``GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)``; the bucket stands for the value
``2 * GAMMA**k / (GAMMA + 1)``, which lies within ``RELATIVE_ERROR`` (1 %) of every latency in
the bucket. A quantile read from the sketch is therefore within 1 % of the sample at the
quantile's rank (the lower rank ``floor(q * (n - 1))``, as in DDSketch). Two sketches merge by
adding bucket counts, so hours merge into days and days into any range exactly as if the raw
latencies had been sketched together. Latencies below ``MIN_LATENCY_MS`` share its bucket.

The encoded form is compact: per non-empty bucket, the zigzag varint of the key's distance
from the previous key, then the varint of its count; an hour of checks is typically 20-60 bytes.
"""

import math
from collections.abc import Iterable, Mapping
from itertools import accumulate

RELATIVE_ERROR = 0.01
GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
LN_GAMMA = math.log(GAMMA)
MIN_LATENCY_MS = 0.001
PERCENTILES = (50, 95, 99)


def bucket_of(latency_ms: float) -> int:
    return math.ceil(math.log(max(latency_ms, MIN_LATENCY_MS)) / LN_GAMMA)


def value_of(bucket: int) -> float:
    return 2 * GAMMA**bucket / (GAMMA + 1)


class LatencySketch:
    __slots__ = ("counts",)

    def __init__(self, counts: Mapping[int, int] | None = None) -> None:
        self.counts: dict[int, int] = dict(counts or {})

    @classmethod
    def of(cls, latencies: Iterable[float]) -> "LatencySketch":
        sketch = cls()
        for latency in latencies:
            sketch.add(latency)
        return sketch

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    def add(self, latency_ms: float, times: int = 1) -> None:
        self.add_bucket(bucket_of(latency_ms), times)

    def add_bucket(self, bucket: int, times: int) -> None:
        self.counts[bucket] = self.counts.get(bucket, 0) + times

    def merge(self, other: "LatencySketch") -> None:
        counts = self.counts
        for bucket, times in other.counts.items():
            counts[bucket] = counts.get(bucket, 0) + times

    def quantile(self, q: float) -> float | None:
        """The latency at quantile ``q`` (0..1), within 1 %; ``None`` for an empty sketch."""
        total = self.count
        if total == 0:
            return None
        rank = q * (total - 1)
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            if seen > rank:
                return value_of(bucket)
        return value_of(max(self.counts))

    def percentiles(self) -> dict[str, float | None]:
        """p50, p95 and p99, rounded to 0.01 ms (one pass over the sorted buckets)."""
        result: dict[str, float | None] = {f"p{percent}": None for percent in PERCENTILES}
        total = self.count
        if total == 0:
            return result
        wanted = [(percent, percent / 100 * (total - 1)) for percent in PERCENTILES]
        seen = 0
        for bucket in sorted(self.counts):
            seen += self.counts[bucket]
            while wanted and seen > wanted[0][1]:
                result[f"p{wanted.pop(0)[0]}"] = round(value_of(bucket), 2)
            if not wanted:
                break
        return result

    def to_bytes(self) -> bytes:
        out = bytearray()
        previous = 0
        for bucket in sorted(self.counts):
            _write_varint(out, _zigzag(bucket - previous))
            _write_varint(out, self.counts[bucket])
            previous = bucket
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes | None) -> "LatencySketch":
        sketch = cls()
        if not data:
            return sketch
        first, position = _read_varint(data, 0)
        times, position = _read_varint(data, position)
        rest = data[position:]
        if rest.isascii():
            # The usual case: after the first key, every varint is one byte (buckets close
            # together, counts under 128), so slices decode it without a loop in Python.
            buckets = accumulate(
                map(_UNZIGZAG_BYTE.__getitem__, rest[0::2]), initial=_unzigzag(first)
            )
            sketch.counts = dict(zip(buckets, [times, *rest[1::2]], strict=True))
            return sketch
        position = 0
        bucket = 0
        while position < len(data):
            delta, position = _read_varint(data, position)
            times, position = _read_varint(data, position)
            bucket += _unzigzag(delta)
            sketch.counts[bucket] = times
        return sketch


def _zigzag(value: int) -> int:
    return value * 2 if value >= 0 else -value * 2 - 1


def _unzigzag(value: int) -> int:
    return value // 2 if value % 2 == 0 else -(value + 1) // 2


def _write_varint(out: bytearray, value: int) -> None:
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)


_UNZIGZAG_BYTE = [_unzigzag(value) for value in range(0x80)]


def _read_varint(data: bytes, position: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7
