"""/api/v1/monitors: CRUD, pause and resume, results and uptime summary."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from pydantic import AwareDatetime

from upwatch.domain.monitors import MonitorSpec, parse_monitor
from upwatch.domain.status import MonitorStatus
from upwatch.services import monitors, reports
from upwatch.services.channels import ensure_channels_exist
from upwatch.services.dependencies import ensure_valid_dependencies
from upwatch.services.targets import ensure_allowed_targets
from upwatch.store.monitors import spec_of
from upwatch.store.tables import MonitorRow
from upwatch.web.deps import ReadAccess, RuntimeDep, SessionDep, WriteAccess
from upwatch.web.runtime import Runtime
from upwatch.web.schemas import ResultOut, ResultsPage, SummaryOut, WindowOut, monitor_json

router = APIRouter(prefix="/api/v1/monitors", tags=["monitors"])
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0)]
MonitorBody = Annotated[MonitorSpec, Body()]


def _document(runtime: Runtime, row: MonitorRow) -> dict[str, Any]:
    return monitor_json(row, ping_url=runtime.ping_url(row.ping_token) if row.ping_token else None)


def _changed(runtime: Runtime) -> None:
    if runtime.engine is not None:
        runtime.engine.scheduler.wake()


@router.get("", dependencies=[ReadAccess])
async def list_monitors(
    runtime: RuntimeDep,
    session: SessionDep,
    limit: Limit = 100,
    offset: Offset = 0,
    kind: str | None = None,
    status_: Annotated[MonitorStatus | None, Query(alias="status")] = None,
    tag: str | None = None,
) -> dict[str, Any]:
    rows, total = await monitors.list_monitors(
        session=session, limit=limit, offset=offset, kind=kind, status=status_, tag=tag
    )
    return {
        "items": [_document(runtime, row) for row in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[WriteAccess])
async def create_monitor(
    spec: MonitorBody, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    await ensure_allowed_targets(spec, runtime.target_policy)
    await ensure_channels_exist(session=session, channel_ids=spec.channels, alerts=spec.alerts)
    await ensure_valid_dependencies(session=session, monitor_id=None, depends_on=spec.depends_on)
    row = await monitors.create_monitor(session=session, spec=spec, now=runtime.clock())
    await session.commit()
    _changed(runtime)
    return _document(runtime, row)


@router.get("/{monitor_id}", dependencies=[ReadAccess])
async def get_monitor(monitor_id: int, runtime: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    return _document(runtime, await monitors.get_monitor(session=session, monitor_id=monitor_id))


@router.put("/{monitor_id}", dependencies=[WriteAccess])
async def replace_monitor(
    monitor_id: int, spec: MonitorBody, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    return await _update(runtime, session, monitor_id, spec)


@router.patch("/{monitor_id}", dependencies=[WriteAccess])
async def patch_monitor(
    monitor_id: int,
    changes: Annotated[dict[str, Any], Body(description="Fields to change.")],
    runtime: RuntimeDep,
    session: SessionDep,
) -> dict[str, Any]:
    row = await monitors.get_monitor(session=session, monitor_id=monitor_id)
    merged = {**spec_of(row).model_dump(mode="json"), **changes}
    return await _update(runtime, session, monitor_id, parse_monitor(merged))


async def _update(
    runtime: Runtime, session: SessionDep, monitor_id: int, spec: MonitorSpec
) -> dict[str, Any]:
    await ensure_allowed_targets(spec, runtime.target_policy)
    await ensure_channels_exist(session=session, channel_ids=spec.channels, alerts=spec.alerts)
    old = await monitors.get_monitor(session=session, monitor_id=monitor_id)
    await ensure_valid_dependencies(
        session=session, monitor_id=monitor_id, depends_on=spec.depends_on
    )
    old_token = old.ping_token
    row = await monitors.update_monitor(
        session=session, monitor_id=monitor_id, spec=spec, now=runtime.clock()
    )
    await session.commit()
    if row.ping_token != old_token:
        runtime.ping_tokens.forget(old_token)
    _changed(runtime)
    return _document(runtime, row)


@router.delete("/{monitor_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WriteAccess])
async def delete_monitor(monitor_id: int, runtime: RuntimeDep, session: SessionDep) -> Response:
    row = await monitors.get_monitor(session=session, monitor_id=monitor_id)
    token = row.ping_token
    await monitors.delete_monitor(session=session, monitor_id=monitor_id, now=runtime.clock())
    await session.commit()
    runtime.ping_tokens.forget(token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{monitor_id}/pause", dependencies=[WriteAccess])
async def pause_monitor(
    monitor_id: int, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    row = await monitors.set_paused(
        session=session, monitor_id=monitor_id, paused=True, now=runtime.clock()
    )
    await session.commit()
    return _document(runtime, row)


@router.post("/{monitor_id}/resume", dependencies=[WriteAccess])
async def resume_monitor(
    monitor_id: int, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    row = await monitors.set_paused(
        session=session, monitor_id=monitor_id, paused=False, now=runtime.clock()
    )
    await session.commit()
    _changed(runtime)
    return _document(runtime, row)


@router.get("/{monitor_id}/results", dependencies=[ReadAccess])
async def monitor_results(
    monitor_id: int,
    runtime: RuntimeDep,
    session: SessionDep,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    before: Annotated[AwareDatetime | None, Query(description="Continue after this page.")] = None,
    limit: Limit = 100,
) -> ResultsPage:
    """Results newest first, from ``since`` (default 24 h ago) until ``until`` (default now)."""
    await monitors.get_monitor(session=session, monitor_id=monitor_id)
    now = runtime.clock()
    rows = await reports.results_between(
        session=session,
        monitor_id=monitor_id,
        since=since or now - timedelta(hours=24),
        until=until or now + timedelta(seconds=1),
        before=before,
        limit=limit,
    )
    next_before = rows[-1].scheduled_at if len(rows) == limit else None
    return ResultsPage(items=[ResultOut.of(row) for row in rows], next_before=next_before)


@router.get("/{monitor_id}/summary", dependencies=[ReadAccess])
async def monitor_summary(monitor_id: int, runtime: RuntimeDep, session: SessionDep) -> SummaryOut:
    """Uptime % and latency percentiles over the last 24 h, 7 d and 30 d."""
    row = await monitors.get_monitor(session=session, monitor_id=monitor_id)
    windows = await reports.summary(session=session, monitor_id=monitor_id, now=runtime.clock())
    return SummaryOut(
        monitor_id=monitor_id,
        status=MonitorStatus(row.status),
        windows={
            name: WindowOut(
                checks=w.checks,
                failures=w.failures,
                uptime_percent=w.uptime_percent,
                latency_ms=w.latency_ms,
            )
            for name, w in windows.items()
        },
    )
