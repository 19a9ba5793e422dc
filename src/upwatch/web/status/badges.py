"""/badge/{monitor_id}/status.svg, uptime.svg and latency.svg, for monitors on public pages.

A monitor that is on no public status page answers exactly like one that does not exist, so
that badges reveal nothing about private monitors.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.status import MonitorStatus
from upwatch.services import rollups
from upwatch.services.status_pages import is_on_public_page
from upwatch.store.tables import MonitorRow
from upwatch.web.deps import RuntimeDep
from upwatch.web.runtime import Runtime
from upwatch.web.status.badge_svg import (
    BLUE,
    GREEN,
    GREY,
    RED,
    YELLOW,
    Badge,
    latency_colour,
    uptime_colour,
)
from upwatch.web.status.cache import PublicCacheDep, Rendered
from upwatch.web.status.render import percent

router = APIRouter(tags=["status pages (public)"])
Period = Literal["24h", "7d", "30d", "90d"]
PERIODS: dict[str, timedelta] = {
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
Label = Annotated[
    str | None, Query(min_length=1, max_length=60, description="Text of the left half.")
]
STATUS_COLOURS = {
    MonitorStatus.UP: GREEN,
    MonitorStatus.DEGRADED: YELLOW,
    MonitorStatus.DOWN: RED,
    MonitorStatus.DEPENDENCY_DOWN: RED,
    MonitorStatus.MAINTENANCE: BLUE,
    MonitorStatus.PAUSED: GREY,
    MonitorStatus.PENDING: GREY,
}
SVG = "image/svg+xml"
# Badges are embedded as images; opened on their own, they may run nothing.
BADGE_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
BadgeOf = Callable[[AsyncSession, MonitorRow], Awaitable[Badge]]


@router.get("/badge/{monitor_id}/status.svg")
@router.head("/badge/{monitor_id}/status.svg", include_in_schema=False)
async def status_badge(
    monitor_id: int,
    request: Request,
    runtime: RuntimeDep,
    cache: PublicCacheDep,
    label: Label = None,
) -> Response:
    """The monitor's current status: up, degraded, down, dependency_down, maintenance, paused
    or pending."""

    async def badge(_: AsyncSession, monitor: MonitorRow) -> Badge:
        current = MonitorStatus(monitor.status)
        return Badge(label or "status", current.value, STATUS_COLOURS[current])

    return await _serve(request, runtime, cache, monitor_id, ("status", label), badge)


@router.get("/badge/{monitor_id}/uptime.svg")
@router.head("/badge/{monitor_id}/uptime.svg", include_in_schema=False)
async def uptime_badge(
    monitor_id: int,
    request: Request,
    runtime: RuntimeDep,
    cache: PublicCacheDep,
    period: Period = "30d",
    label: Label = None,
) -> Response:
    """Uptime % over the period (default 30 days), from the rollups."""

    async def badge(session: AsyncSession, monitor: MonitorRow) -> Badge:
        now = runtime.clock()
        found = await rollups.uptime_percent(
            session=session, monitor_ids=[monitor.id], since=now - PERIODS[period], until=now
        )
        uptime = found.get(monitor.id)
        return Badge(label or f"uptime {period}", percent(uptime), uptime_colour(uptime))

    return await _serve(request, runtime, cache, monitor_id, ("uptime", period, label), badge)


@router.get("/badge/{monitor_id}/latency.svg")
@router.head("/badge/{monitor_id}/latency.svg", include_in_schema=False)
async def latency_badge(
    monitor_id: int,
    request: Request,
    runtime: RuntimeDep,
    cache: PublicCacheDep,
    period: Period = "24h",
    label: Label = None,
) -> Response:
    """Median response time over the period (default 24 hours), from the rollups."""

    async def badge(session: AsyncSession, monitor: MonitorRow) -> Badge:
        now = runtime.clock()
        found = await rollups.latency_percentiles(
            session=session, monitor_ids=[monitor.id], since=now - PERIODS[period], until=now
        )
        median = found.get(monitor.id, {}).get("p50")
        message = "no data" if median is None else f"{median:.0f} ms"
        return Badge(label or "response time", message, latency_colour(median))

    return await _serve(request, runtime, cache, monitor_id, ("latency", period, label), badge)


async def _serve(
    request: Request,
    runtime: Runtime,
    cache: PublicCacheDep,
    monitor_id: int,
    variant: tuple[str | None, ...],
    badge_of: BadgeOf,
) -> Response:
    async def render() -> Rendered | None:
        async with runtime.sessions() as session:
            monitor = await session.get(MonitorRow, monitor_id)
            if monitor is None or not await is_on_public_page(
                session=session, monitor_id=monitor_id
            ):
                return None
            badge = await badge_of(session, monitor)
        return Rendered.of(badge.svg().encode(), SVG)

    rendered = await cache.badges.get((monitor_id, *variant), render)
    if rendered is None:
        return Response("badge not found", status.HTTP_404_NOT_FOUND, media_type="text/plain")
    return cache.respond(request, rendered, BADGE_HEADERS)
