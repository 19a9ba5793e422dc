"""One renderer for every channel: titles, plain text, escaped HTML."""

import pytest

from tests.notifiers.messages import grouped, notification
from upwatch.domain.notifications import EventKind
from upwatch.notifiers.render import human_duration, render


@pytest.mark.parametrize(
    ("seconds", "wording"),
    [
        (0, "0 s"),
        (0.4, "0 s"),
        (45, "45 s"),
        (60, "1 min"),
        (192, "3 min 12 s"),
        (3_600, "1 h"),
        (3_605, "1 h"),
        (7_500, "2 h 5 min"),
        (86_400, "1 d"),
        (93_784, "1 d 2 h"),
    ],
)
def test_downtime_wording(seconds: float, wording: str) -> None:
    assert human_duration(seconds) == wording


@pytest.mark.parametrize(
    ("event", "title"),
    [
        (EventKind.DOWN, "Checkout API is down"),
        (EventKind.UP, "Checkout API is up again"),
        (EventKind.DEGRADED, "Checkout API is degraded"),
        (EventKind.CERTIFICATE_EXPIRING, "Checkout API: certificate expiring soon"),
        (EventKind.HEARTBEAT_LATE, "Checkout API: heartbeat is late"),
        (EventKind.FLAPPING, "Checkout API is flapping"),
        (EventKind.TEST, "Test notification for Checkout API"),
        (EventKind.RESOLVED, "Checkout API: incident resolved by hand"),
    ],
)
def test_titles(event: EventKind, title: str) -> None:
    assert render(notification(event)).title == title


def test_text_has_the_cause_timing_excerpt_and_links() -> None:
    text = render(notification(EventKind.DOWN)).text.splitlines()

    assert text[0] == "Checkout API is down"
    assert "Monitor: Checkout API (http)" in text
    assert "Target: https://shop.example.com/health" in text
    assert "Event: down at 2026-11-23 11:56:48 UTC" in text
    assert "Incident: #42 opened 2026-11-23 11:56:48 UTC" in text
    assert "Cause: HTTP 503 - expected status 200-399, got 503" in text
    assert "Timing: dns 1.2 ms, connect 3.5 ms, ttfb 205 ms, total 212.4 ms" in text
    assert "Response: <html>upstream connect error</html>" in text
    assert "Acknowledge: https://upwatch.example.com/ack/7?sig=abc" in text
    assert "Monitor page: https://upwatch.example.com/monitors/7" in text
    assert not any(line.startswith("Downtime") for line in text)


def test_recovery_says_how_long_it_was_down() -> None:
    text = render(notification(EventKind.UP, downtime_seconds=192)).text

    assert "Downtime: 3 min 12 s" in text


def test_html_escapes_a_hostile_monitor_name() -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    rendered = render(notification(EventKind.DOWN, name=hostile))

    assert "<script>" not in rendered.html
    assert "<img" not in rendered.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in rendered.html
    assert rendered.title.startswith("<script>")  # plain text stays as the user wrote it
    assert "&lt;html&gt;upstream connect error&lt;/html&gt;" in rendered.html
    assert '<a href="https://upwatch.example.com/ack/7?sig=abc">' in rendered.html


def test_a_multi_line_name_gives_a_one_line_title() -> None:
    rendered = render(notification(name="Checkout\r\nBcc: victim@example.com"))

    assert rendered.title == "Checkout Bcc: victim@example.com is down"


def test_grouped_message_lists_each_monitor_once() -> None:
    rendered = render(grouped(3))

    assert rendered.title == "3 monitors are down"
    monitors = [line for line in rendered.text.splitlines() if line.startswith("- ")]
    assert monitors == [
        f"- service-{i} (http) https://shop.example.com/health: "
        "HTTP 503 - expected status 200-399, got 503"
        for i in (1, 2, 3)
    ]
    assert rendered.html.count("<li>") == 3
    assert "https://upwatch.example.com/ack/2?sig=abc" in rendered.html
