"""The phases of one HTTP request, and the per-phase timings a check reports from them."""


class RequestTimer:
    """Seconds spent per phase of one request; a new request (a redirect's next hop) starts
    afresh. The name lookup is Upwatch's own; libcurl times connecting and waiting."""

    __slots__ = ("connect", "dns", "ttfb")

    def __init__(self) -> None:
        self.start()

    def start(self) -> None:
        self.dns: float | None = None
        self.connect: float | None = None
        self.ttfb: float | None = None

    def resolved(self, seconds: float) -> None:
        self.dns = seconds

    def transferred(self, *, connect: float | None, ttfb: float | None) -> None:
        self.connect = connect
        self.ttfb = ttfb

    def breakdown(self) -> dict[str, float]:
        """Milliseconds spent resolving, connecting (TLS handshake included), waiting."""
        timings: dict[str, float] = {}
        phases = (("dns_ms", self.dns), ("connect_ms", self.connect), ("ttfb_ms", self.ttfb))
        for name, seconds in phases:
            if seconds is not None:
                timings[name] = round(seconds * 1000, 3)
        return timings
