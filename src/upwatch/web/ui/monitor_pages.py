"""The monitor list (the dashboard), a monitor's page, and its create and edit forms."""

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.responses import HTMLResponse

from upwatch.domain.status import MonitorStatus
from upwatch.errors import ValidationFailedError
from upwatch.services import channels, monitors, reports, rollups
from upwatch.services.channels import ensure_channels_exist
from upwatch.services.targets import ensure_allowed_targets
from upwatch.store.monitors import spec_of
from upwatch.store.tables import MonitorRow
from upwatch.web.deps import SessionDep
from upwatch.web.runtime import Runtime
from upwatch.web.ui import monitor_forms, queries
from upwatch.web.ui.auth import Editor, Member, Visitor, get_visitor
from upwatch.web.ui.form_values import GENERAL
from upwatch.web.ui.monitor_forms import KIND_FIELDS, KIND_LABELS, Submission
from upwatch.web.ui.signin import redirect
from upwatch.web.ui.templating import render

router = APIRouter(dependencies=[Depends(get_visitor)], include_in_schema=False)
CHART_RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
UPTIME_WINDOWS = CHART_RANGES
BAR_DAYS = 90
RECENT_RESULTS = 20


@router.get("/")
async def dashboard(
    request: Request,
    visitor: Member,
    session: SessionDep,
    status_: Annotated[str, Query(alias="status")] = "",
    tag: str = "",
    q: str = "",
    page: int = 1,
) -> Response:
    filters = queries.MonitorFilter(
        status=status_ if status_ in set(MonitorStatus) else "", tag=tag.strip(), text=q.strip()
    )
    listing = await queries.monitor_page(
        session=session, filters=filters, page=page, now=visitor.runtime.clock()
    )
    context = {
        "listing": listing,
        "filters": filters,
        "statuses": list(MonitorStatus),
        "sparkline": queries.sparkline_points,
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "monitor-table":
        return render(visitor, "monitors/_table.html", context)
    context["incidents"] = await queries.open_incidents(session=session)
    return render(visitor, "monitors/list.html", context)


@router.get("/ui/open-incidents")
async def open_incidents(visitor: Member, session: SessionDep) -> Response:
    incidents = await queries.open_incidents(session=session)
    return render(visitor, "incidents/_open.html", {"incidents": incidents})


@router.get("/monitors/new")
async def new_monitor(
    visitor: Editor, session: SessionDep, kind: str = "http", clone: int | None = None
) -> Response:
    if clone is not None:
        source = await monitors.get_monitor(session=session, monitor_id=clone)
        document = spec_of(source).model_dump(mode="json")
        document["name"] = f"Copy of {source.name}"[:200]
        values = monitor_forms.to_form(document)
    else:
        values = monitor_forms.defaults(kind if kind in KIND_FIELDS else "http")
    return await _form(visitor, session, values=values, errors={}, monitor=None)


@router.get("/monitors/new/fields")
async def kind_fields(visitor: Editor, kind: str = "http") -> Response:
    """The kind-specific fieldset, swapped in by htmx when the kind changes."""
    kind = kind if kind in KIND_FIELDS else "http"
    return render(
        visitor,
        "monitors/_kind_fields.html",
        {
            "values": monitor_forms.defaults(kind),
            "errors": {},
            "fields": monitor_forms.fields_of(kind),
        },
    )


@router.post("/monitors")
async def create_monitor(visitor: Editor, session: SessionDep) -> Response:
    submission = monitor_forms.submitted(await visitor.request.form())
    spec = await _checked(visitor.runtime, session, submission)
    if spec is None:
        return await _form(visitor, session, submission=submission, monitor=None)
    row = await monitors.create_monitor(session=session, spec=spec, now=visitor.runtime.clock())
    await session.commit()
    _wake(visitor.runtime)
    return redirect(f"/monitors/{row.id}")


@router.get("/monitors/{monitor_id}")
async def monitor_page(
    monitor_id: int, visitor: Member, session: SessionDep, range: str = "24h"
) -> Response:
    row = await monitors.get_monitor(session=session, monitor_id=monitor_id)
    now = visitor.runtime.clock()
    chart_range = range if range in CHART_RANGES else "24h"
    ids = [monitor_id]
    uptime = {
        name: (
            await rollups.uptime_percent(
                session=session, monitor_ids=ids, since=now - length, until=now
            )
        )[monitor_id]
        for name, length in UPTIME_WINDOWS.items()
    }
    latency = await rollups.latency_percentiles(
        session=session, monitor_ids=ids, since=now - timedelta(hours=24), until=now
    )
    series = await rollups.latency_series(
        session=session, monitor_id=monitor_id, since=now - CHART_RANGES[chart_range], until=now
    )
    today = now.date()
    days = await rollups.daily_uptime(
        session=session,
        monitor_ids=ids,
        since=today - timedelta(days=BAR_DAYS - 1),
        until=today,
        now=now,
    )
    chart = {
        "t": [int(point.hour.timestamp()) for point in series],
        "p50": [point.p50 for point in series],
        "p95": [point.p95 for point in series],
    }
    return render(
        visitor,
        "monitors/detail.html",
        {
            "monitor": row,
            "document": spec_of(row).model_dump(mode="json"),
            "ping_url": visitor.runtime.ping_url(row.ping_token) if row.ping_token else None,
            "uptime": uptime,
            "latency": latency[monitor_id],
            "chart_json": json.dumps(chart),
            "chart_range": chart_range,
            "chart_ranges": list(CHART_RANGES),
            "days": days[monitor_id],
            **await _activity(session, visitor, monitor_id),
        },
    )


@router.get("/monitors/{monitor_id}/activity")
async def monitor_activity(monitor_id: int, visitor: Member, session: SessionDep) -> Response:
    """Recent results and incidents, refreshed by htmx when the monitor's status changes."""
    row = await monitors.get_monitor(session=session, monitor_id=monitor_id)
    context = {"monitor": row, **await _activity(session, visitor, monitor_id)}
    return render(visitor, "monitors/_activity.html", context)


async def _activity(session: SessionDep, visitor: Visitor, monitor_id: int) -> dict[str, Any]:
    now = visitor.runtime.clock()
    results = await reports.results_between(
        session=session,
        monitor_id=monitor_id,
        since=now - timedelta(hours=24),
        until=now + timedelta(seconds=1),
        limit=RECENT_RESULTS,
    )
    incidents, _ = await reports.list_incidents(session=session, limit=10, monitor_id=monitor_id)
    return {"results": results, "incidents": incidents}


@router.get("/monitors/{monitor_id}/edit")
async def edit_monitor(monitor_id: int, visitor: Editor, session: SessionDep) -> Response:
    row = await monitors.get_monitor(session=session, monitor_id=monitor_id)
    values = monitor_forms.to_form(spec_of(row).model_dump(mode="json"))
    return await _form(visitor, session, values=values, errors={}, monitor=row)


@router.post("/monitors/{monitor_id}")
async def update_monitor(monitor_id: int, visitor: Editor, session: SessionDep) -> Response:
    row = await monitors.get_monitor(session=session, monitor_id=monitor_id)
    base = spec_of(row).model_dump(mode="json")
    submission = monitor_forms.submitted(await visitor.request.form(), base=base)
    spec = await _checked(visitor.runtime, session, submission)
    if spec is None:
        return await _form(visitor, session, submission=submission, monitor=row)
    old_token = row.ping_token
    row = await monitors.update_monitor(
        session=session, monitor_id=monitor_id, spec=spec, now=visitor.runtime.clock()
    )
    await session.commit()
    if row.ping_token != old_token:
        visitor.runtime.ping_tokens.forget(old_token)
    _wake(visitor.runtime)
    return redirect(f"/monitors/{monitor_id}")


@router.post("/monitors/{monitor_id}/pause")
async def pause(monitor_id: int, visitor: Editor, session: SessionDep) -> Response:
    return await _set_paused(visitor, session, monitor_id, paused=True)


@router.post("/monitors/{monitor_id}/resume")
async def resume(monitor_id: int, visitor: Editor, session: SessionDep) -> Response:
    return await _set_paused(visitor, session, monitor_id, paused=False)


@router.post("/monitors/{monitor_id}/check")
async def check_now(monitor_id: int, visitor: Editor, session: SessionDep) -> Response:
    try:
        await monitors.check_now(
            session=session, monitor_id=monitor_id, now=visitor.runtime.clock()
        )
    except ValidationFailedError as exc:
        return HTMLResponse(exc.problems[0][1], status_code=status.HTTP_409_CONFLICT)
    await session.commit()
    _wake(visitor.runtime)
    return redirect(f"/monitors/{monitor_id}")


@router.post("/monitors/{monitor_id}/delete")
async def delete(monitor_id: int, visitor: Editor, session: SessionDep) -> Response:
    row = await monitors.get_monitor(session=session, monitor_id=monitor_id)
    token = row.ping_token
    await monitors.delete_monitor(
        session=session, monitor_id=monitor_id, now=visitor.runtime.clock()
    )
    await session.commit()
    visitor.runtime.ping_tokens.forget(token)
    return redirect("/")


async def _set_paused(
    visitor: Visitor, session: SessionDep, monitor_id: int, *, paused: bool
) -> Response:
    await monitors.set_paused(
        session=session, monitor_id=monitor_id, paused=paused, now=visitor.runtime.clock()
    )
    await session.commit()
    _wake(visitor.runtime)
    return redirect(f"/monitors/{monitor_id}")


async def _checked(runtime: Runtime, session: SessionDep, submission: Submission) -> Any:
    """The spec when it passes the same checks the API makes; errors land in ``submission``."""
    if submission.spec is None:
        return None
    try:
        await ensure_allowed_targets(submission.spec, runtime.target_policy)
        await ensure_channels_exist(session=session, channel_ids=submission.spec.channels)
    except ValidationFailedError as exc:
        found = [{"field": f, "message": m} for f, m in exc.problems]
        submission.errors.update(monitor_forms.field_errors(found, submission.kind))
        return None
    return submission.spec


async def _form(
    visitor: Visitor,
    session: SessionDep,
    *,
    monitor: MonitorRow | None,
    submission: Submission | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    if submission is not None:
        values, errors = submission.values, submission.errors
    assert values is not None
    return render(
        visitor,
        "monitors/form.html",
        {
            "monitor": monitor,
            "values": values,
            "errors": errors or {},
            "general_error": (errors or {}).get(GENERAL),
            "kind": values.get("kind", "http"),
            "fields": monitor_forms.fields_of(str(values.get("kind", "http"))),
            "kinds": KIND_LABELS,
            "common_fields": monitor_forms.COMMON,
            "channels": await channels.list_channels(session=session),
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if errors else status.HTTP_200_OK,
    )


def _wake(runtime: Runtime) -> None:
    if runtime.engine is not None:
        runtime.engine.scheduler.wake()
