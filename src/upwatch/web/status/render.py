"""The status page as HTML and JSON, from one summary; also what the static export writes."""

import hashlib
import math
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from itertools import groupby
from weakref import WeakKeyDictionary

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from upwatch.domain.status import MonitorStatus
from upwatch.domain.status_pages import PageState
from upwatch.services.status_history import DayBar, FinishedDays
from upwatch.services.status_summary import ComponentSummary, IncidentSummary, StatusSummary

STYLESHEET = "status.css"
PAGE_STATE_TEXT = {
    PageState.OPERATIONAL: "All systems operational",
    PageState.DEGRADED: "Degraded performance",
    PageState.PARTIAL_OUTAGE: "Partial outage",
    PageState.MAJOR_OUTAGE: "Major outage",
    PageState.MAINTENANCE: "Under maintenance",
    PageState.UNKNOWN: "Status not known yet",
}
COMPONENT_STATE_TEXT = {
    MonitorStatus.UP: "Operational",
    MonitorStatus.DEGRADED: "Degraded",
    MonitorStatus.DOWN: "Outage",
    MonitorStatus.DEPENDENCY_DOWN: "Outage (a service it depends on is down)",
    MonitorStatus.MAINTENANCE: "Maintenance",
    MonitorStatus.PAUSED: "Not monitored",
    MonitorStatus.PENDING: "No data yet",
}
# Favicon colours by page state, as a data: URL (allowed by the static site's CSP).
_ICON_COLOURS = {
    PageState.OPERATIONAL: "#1a7f37",
    PageState.DEGRADED: "#9a6700",
    PageState.PARTIAL_OUTAGE: "#bc4c00",
    PageState.MAJOR_OUTAGE: "#cf222e",
    PageState.MAINTENANCE: "#0969da",
    PageState.UNKNOWN: "#6e7781",
}


def stylesheet() -> bytes:
    return (files("upwatch.web.status") / "static" / STYLESHEET).read_bytes()


@cache
def stylesheet_version() -> str:
    return hashlib.sha256(stylesheet()).hexdigest()[:12]


def render_html(summary: StatusSummary, *, stylesheet_href: str, json_href: str) -> str:
    return (
        _environment()
        .get_template("status_page.html")
        .render(
            page=summary,
            state_text=PAGE_STATE_TEXT[summary.state],
            component_text=COMPONENT_STATE_TEXT,
            history=_by_day(summary.incident_history),
            stylesheet_href=stylesheet_href,
            json_href=json_href,
            icon_colour=_ICON_COLOURS[summary.state],
        )
    )


def render_json(summary: StatusSummary) -> bytes:
    return summary.model_dump_json().encode()


def percent(value: float | None) -> str:
    """Rounded down, so that 99.999 % never reads as 100 %."""
    if value is None:
        return "no data"
    if value >= 100:
        return "100%"
    return f"{math.floor(value * 100) / 100:.2f}%"


def bar_level(value: float | None) -> str:
    if value is None:
        return "none"
    if value >= 99.9:
        return "up"
    if value >= 99.0:
        return "degraded"
    return "down"


def duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "under a minute"
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def timestamp(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def clock_time(moment: datetime) -> str:
    return moment.strftime("%H:%M")


@cache
def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def day_bars(days: Sequence[DayBar]) -> Markup:
    """One component's bars in one pass: a page has thousands of them, and their text is only
    dates and percentages, nothing to escape."""
    return Markup(  # noqa: S704 - built here from dates and numbers only
        "".join(
            f'<span class="bar bar--{bar_level(day.uptime_percent)}" '
            f'title="{long_date(day.day)}: {percent(day.uptime_percent)}'
            f'{"" if day.uptime_percent is None else " uptime"}"></span>'
            for day in days
        )
    )


# The bars of rolled-up days, as long as their kept summary lives (see services/status_history).
_FINISHED_BARS: WeakKeyDictionary[FinishedDays, Markup] = WeakKeyDictionary()


def component_bars(component: ComponentSummary) -> Markup:
    """A component's bars: those of its rolled-up days made once, the rest (today) each time."""
    finished = component.finished
    if finished is None:
        return day_bars(component.days)
    made = _FINISHED_BARS.get(finished)
    if made is None:
        made = _FINISHED_BARS[finished] = day_bars(finished.bars)
    return made + day_bars(component.days[len(finished.bars) :])


def _by_day(incidents: list[IncidentSummary]) -> list[tuple[date, list[IncidentSummary]]]:
    return [
        (day, list(items)) for day, items in groupby(incidents, key=lambda i: i.started_at.date())
    ]


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("upwatch.web.status", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        percent=percent,
        component_bars=component_bars,
        duration=duration,
        timestamp=timestamp,
        clock_time=clock_time,
        long_date=long_date,
    )
    return environment
