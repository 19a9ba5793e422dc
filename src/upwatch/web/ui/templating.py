"""Jinja2 set-up and the one function every page renders through."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Response
from fastapi.templating import Jinja2Templates

from upwatch import __version__
from upwatch.web.ui.auth import CSRF_FIELD, CSRF_HEADER, Visitor

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
STATIC_PATH = "/ui/static"
# Pages are private and change by the second; static files carry the version in their URL.
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}

templates = Jinja2Templates(directory=TEMPLATES)


def static_url(path: str) -> str:
    return f"{STATIC_PATH}/{path}?v={__version__}"


def percent(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f} %"


def milliseconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def timestamp(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _ago(now: datetime) -> Callable[[datetime | None], str]:
    """``ago(t)`` for one page, measured from the time the page was made."""

    def ago(value: datetime | None) -> str:
        if value is None:
            return "never"
        seconds = int((now - value).total_seconds())
        if seconds < 0:
            return "just now"
        for size, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
            if seconds >= size:
                return f"{seconds // size} {unit} ago"
        return f"{seconds} s ago"

    return ago


templates.env.globals.update(static_url=static_url, csrf_field=CSRF_FIELD, csrf_header=CSRF_HEADER)
templates.env.filters.update(percent=percent, ms=milliseconds, timestamp=timestamp)


def render(
    visitor: Visitor,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    now = visitor.runtime.clock()
    response = templates.TemplateResponse(
        visitor.request,
        template,
        {"visitor": visitor, "now": now, "ago": _ago(now), **(context or {})},
        status_code=status_code,
        headers=_HEADERS,
    )
    visitor.set_cookies(response)
    return response


def security_headers() -> dict[str, str]:
    return dict(_HEADERS)
