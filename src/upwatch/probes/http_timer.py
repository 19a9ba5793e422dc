"""The moments of one HTTP request, and the per-phase timings a check reports from them."""

import time


class RequestTimer:
    """Moments of one request; a new request (a redirect's next hop) starts afresh."""

    __slots__ = ("marks",)

    def __init__(self) -> None:
        self.marks: dict[str, float] = {}

    def start(self) -> None:
        self.marks.clear()
        self.marks["start"] = time.perf_counter()

    def mark(self, name: str) -> None:
        self.marks[name] = time.perf_counter()

    def breakdown(self) -> dict[str, float]:
        """Milliseconds spent resolving, connecting (TLS handshake included), waiting."""
        marks = self.marks
        timings: dict[str, float] = {}
        dns = _span(marks, "dns_start", "dns_end")
        if dns is not None:
            timings["dns_ms"] = dns
        connect = _span(marks, "connect_start", "connect_end")
        if connect is not None:
            timings["connect_ms"] = round(connect - (dns or 0.0), 3)
        ttfb = _span(marks, "headers_sent", "response")
        if ttfb is not None:
            timings["ttfb_ms"] = ttfb
        return timings


def _span(marks: dict[str, float], start: str, end: str) -> float | None:
    if start in marks and end in marks:
        return round((marks[end] - marks[start]) * 1000, 3)
    return None
