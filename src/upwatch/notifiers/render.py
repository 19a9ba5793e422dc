"""How a notification reads: one title, a plain-text body and an HTML body, for every channel."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from upwatch.domain.notifications import (
    EventKind,
    GroupedNotification,
    Message,
    Notification,
)

EXCERPT_CHARS = 300

# (one monitor, several monitors) for each event.
_TITLES: dict[EventKind, tuple[str, str]] = {
    EventKind.DOWN: ("{name} is down", "{count} monitors are down"),
    EventKind.UP: ("{name} is up again", "{count} monitors are up again"),
    EventKind.DEGRADED: ("{name} is degraded", "{count} monitors are degraded"),
    EventKind.CERTIFICATE_EXPIRING: (
        "{name}: certificate expiring soon",
        "{count} monitors: certificates expiring soon",
    ),
    EventKind.HEARTBEAT_LATE: ("{name}: heartbeat is late", "{count} monitors: heartbeats late"),
    EventKind.FLAPPING: ("{name} is flapping", "{count} monitors are flapping"),
    EventKind.REMINDER: ("{name} is still down", "{count} monitors are still down"),
    EventKind.ESCALATION: (
        "{name} is down and nobody has acknowledged it",
        "{count} monitors are down and nobody has acknowledged them",
    ),
    EventKind.TEST: ("Test notification for {name}", "Test notification for {count} monitors"),
    EventKind.RESOLVED: (
        "{name}: incident resolved by hand",
        "{count} monitors: incidents resolved by hand",
    ),
}

_UNITS = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))
_WHITESPACE = re.compile(r"\s+")

Fact = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Rendered:
    title: str
    text: str
    html: str


def render(message: Message) -> Rendered:
    if isinstance(message, GroupedNotification):
        return _render_group(message)
    title = _title(message)
    facts = _facts(message)
    links = _links(message)
    text = "\n".join([title, "", *_text_facts(facts), *_text_facts(links)])
    html = _document(title, _html_table(facts, links))
    return Rendered(title=title, text=text, html=html)


def human_duration(seconds: float) -> str:
    """The two largest units of a duration: ``3 min 12 s``, ``2 h 5 min``, ``1 d``."""
    remaining = round(seconds)
    parts: list[str] = []
    for unit, size in _UNITS:
        amount, remaining = divmod(remaining, size)
        if amount and len(parts) < 2:
            parts.append(f"{amount} {unit}")
        elif parts:
            break
    return " ".join(parts) or "0 s"


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) as one space."""
    return _WHITESPACE.sub(" ", text).strip()


def _title(notification: Notification) -> str:
    single, _ = _TITLES[notification.event]
    return single.format(name=one_line(notification.monitor.name))


def _render_group(group: GroupedNotification) -> Rendered:
    _, several = _TITLES[group.event]
    title = several.format(count=len(group.notifications))
    lines = [title, "", f"Time: {_moment(group.occurred_at)}", ""]
    items: list[str] = []
    for notification in group.notifications:
        summary = _monitor_line(notification)
        lines.append(f"- {summary}")
        links = _links(notification)
        lines.extend(f"  {label}: {url}" for label, url in links)
        link_html = "".join(f" · {_anchor(label, url)}" for label, url in links)
        items.append(f"<li>{escape(summary)}{link_html}</li>")
    body = f"<p>Time: {escape(_moment(group.occurred_at))}</p><ul>{''.join(items)}</ul>"
    return Rendered(title=title, text="\n".join(lines), html=_document(title, body))


def _monitor_line(notification: Notification) -> str:
    monitor = notification.monitor
    target = f" {monitor.target}" if monitor.target else ""
    line = f"{one_line(monitor.name)} ({monitor.kind}){target}"
    cause = _cause(notification.cause)
    return f"{line}: {cause}" if cause else line


def _facts(notification: Notification) -> list[Fact]:
    monitor, incident = notification.monitor, notification.incident
    facts: list[Fact] = [
        ("Monitor", f"{one_line(monitor.name)} ({monitor.kind})"),
    ]
    if monitor.target:
        facts.append(("Target", monitor.target))
    facts.append(("Event", f"{notification.event.value} at {_moment(notification.occurred_at)}"))
    if incident is not None:
        facts.append(("Incident", f"#{incident.id} opened {_moment(incident.opened_at)}"))
    if notification.downtime_seconds is not None:
        facts.append(("Downtime", human_duration(notification.downtime_seconds)))
    cause = _cause(notification.cause)
    if cause:
        facts.append(("Cause", cause))
    timing = _timing(notification.cause)
    if timing:
        facts.append(("Timing", timing))
    excerpt = _excerpt(notification.cause)
    if excerpt:
        facts.append(("Response", excerpt))
    return facts


def _links(notification: Notification) -> list[Fact]:
    links = notification.links
    found = [("Acknowledge", links.acknowledge), ("Monitor page", links.monitor)]
    return [(label, url) for label, url in found if url]


def _cause(cause: dict[str, Any]) -> str:
    parts = []
    if cause.get("status_code") is not None:
        parts.append(f"HTTP {cause['status_code']}")
    if cause.get("error"):
        parts.append(one_line(str(cause["error"])))
    return " - ".join(parts)


def _timing(cause: dict[str, Any]) -> str:
    details = cause.get("details") or {}
    timings = details.get("timings") if isinstance(details, dict) else None
    parts = []
    if isinstance(timings, dict):
        for key, value in timings.items():
            if isinstance(value, int | float):
                parts.append(f"{key.removesuffix('_ms')} {value:g} ms")
    if isinstance(cause.get("latency_ms"), int | float):
        parts.append(f"total {cause['latency_ms']:g} ms")
    return ", ".join(parts)


def _excerpt(cause: dict[str, Any]) -> str:
    details = cause.get("details") or {}
    if not isinstance(details, dict):
        return ""
    raw = details.get("body_excerpt") or details.get("reply_excerpt") or ""
    text = one_line(str(raw))
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _text_facts(facts: list[Fact]) -> list[str]:
    return [f"{label}: {value}" for label, value in facts]


def _html_table(facts: list[Fact], links: list[Fact]) -> str:
    rows = [_html_row(label, escape(value)) for label, value in facts]
    rows += [_html_row(label, _anchor(url, url)) for label, url in links]
    return f"<table>{''.join(rows)}</table>"


def _html_row(label: str, cell: str) -> str:
    return f'<tr><th align="left">{escape(label)}</th><td>{cell}</td></tr>'


def _anchor(text: str, url: str) -> str:
    if not url.startswith(("https://", "http://")):
        return escape(text)
    return f'<a href="{escape(url)}">{escape(text)}</a>'


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>"
        f"<body><h2>{escape(title)}</h2>{body}</body></html>"
    )
