"""Maintenance windows: the list with what is in force and what comes next, a form to plan one
(one-off, RRULE or cron, in a time zone, for monitors or tags), deleting.

The form is turned into the API's document and checked by the same model, so its messages are
the API's own, placed at the form field that holds them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData

from upwatch.domain.maintenance import (
    Interval,
    MaintenanceWindowSpec,
    is_active,
    next_occurrence,
    parse_window,
)
from upwatch.errors import ValidationFailedError
from upwatch.services import maintenance
from upwatch.store.tables import MonitorRow
from upwatch.web.deps import SessionDep
from upwatch.web.errors import problems
from upwatch.web.ui.auth import Editor, Member, Visitor, get_visitor
from upwatch.web.ui.form_values import GENERAL, FormField, field_errors_for, text_of
from upwatch.web.ui.signin import redirect
from upwatch.web.ui.templating import render

router = APIRouter(
    prefix="/maintenance", dependencies=[Depends(get_visitor)], include_in_schema=False
)
FORM = (
    FormField("name", "Name"),
    FormField(
        "repeats",
        "Repeats",
        "select",
        help="once: from start to end. rrule or cron: each occurrence lasts the duration.",
        choices=("once", "rrule", "cron"),
    ),
    FormField(
        "timezone", "Time zone", help="IANA name, e.g. Europe/Berlin; times below are in it."
    ),
    FormField(
        "starts_at",
        "Starts",
        help="Once: the start. Repeating: no occurrence before it (default: today).",
        input_type="datetime-local",
    ),
    FormField(
        "ends_at",
        "Ends",
        help="Once: the end. Repeating: no occurrence begins after it (default: never).",
        input_type="datetime-local",
    ),
    FormField("rrule", "RRULE", help="e.g. FREQ=WEEKLY;BYDAY=SU;BYHOUR=2 (for rrule)."),
    FormField("cron", "Cron expression", help="e.g. 0 2 * * 0 (for cron)."),
    FormField(
        "duration",
        "Duration (seconds)",
        "number",
        help="How long each occurrence lasts, e.g. 3600 (for rrule or cron).",
    ),
    FormField("monitor_ids", "Monitor ids", help="Comma-separated, e.g. 3, 17."),
    FormField("tags", "Tags", help="Comma-separated; monitors with any of them are covered."),
)
FIELDS = tuple(f.name for f in FORM)
REPEATS = frozenset(("once", "rrule", "cron"))


@router.get("")
async def maintenance_page(visitor: Member, session: SessionDep) -> Response:
    return await _page(visitor, session, values={"repeats": "once", "timezone": "UTC"}, errors={})


@router.post("")
async def create_window(request: Request, visitor: Editor, session: SessionDep) -> Response:
    form = await request.form()
    values = {name: text_of(form, name) for name in FIELDS}
    now = visitor.runtime.clock()
    errors: dict[str, str] = {}
    try:
        document = _document(values, form)
        spec = parse_window(document, now=now)
        await maintenance.create_window(session=session, spec=spec, now=now)
    except ValidationError as exc:
        errors = field_errors_for(problems(exc.errors()), set(FIELDS))
    except ValidationFailedError as exc:
        errors = field_errors_for(
            [{"field": f, "message": m} for f, m in exc.problems], set(FIELDS)
        )
    if errors:
        return await _page(
            visitor,
            session,
            values=values,
            errors=errors,
            code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    await session.commit()
    return redirect("/maintenance")


@router.post("/{window_id}/delete")
async def delete_window(window_id: int, visitor: Editor, session: SessionDep) -> Response:
    await maintenance.delete_window(session=session, window_id=window_id)
    await session.commit()
    return redirect("/maintenance")


def _document(values: dict[str, str], form: FormData) -> dict[str, Any]:
    """The API's window document from the form; fields of the other kinds of repetition are
    left out, and local times are read in the window's time zone."""
    repeats = values["repeats"] if values["repeats"] in REPEATS else "once"
    zone = _zone(values["timezone"])
    document: dict[str, Any] = {
        "name": values["name"],
        "timezone": values["timezone"] or "UTC",
        "tags": [tag.strip() for tag in values["tags"].split(",") if tag.strip()],
        "monitor_ids": _ids(values["monitor_ids"]),
    }
    for name in ("starts_at", "ends_at"):
        if values[name]:
            document[name] = _local_time(values[name], zone, name)
    if repeats != "once":
        document[repeats] = values[repeats]
        document["duration"] = values["duration"] or None
    return document


def _zone(name: str) -> ZoneInfo:
    """The zone to read local times in; an unknown name is reported by the model itself."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_time(text: str, zone: ZoneInfo, field: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=zone)
    except ValueError:
        problem = (field, "give a date and time, e.g. 2026-12-24T22:00")
        raise ValidationFailedError([problem]) from None


def _ids(text: str) -> list[int]:
    found = []
    for index, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        if not part.isdigit():
            raise ValidationFailedError(
                [(f"monitor_ids[{index}]", f"{part!r} is not a monitor id")]
            )
        found.append(int(part))
    return found


@dataclass(frozen=True, slots=True)
class _Listed:
    id: int
    spec: MaintenanceWindowSpec
    active: bool
    next: Interval | None


async def _page(
    visitor: Visitor,
    session: SessionDep,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    code: int = status.HTTP_200_OK,
) -> Response:
    now = visitor.runtime.clock()
    windows = [
        _Listed(row.id, spec, is_active(spec, now), next_occurrence(spec, now))
        for row in await maintenance.list_windows(session=session)
        for spec in [maintenance.window_spec(row)]
    ]
    wanted = {i for window in windows for i in window.spec.monitor_ids}
    names: dict[int, str] = {}
    if wanted:
        found = await session.execute(
            select(MonitorRow.id, MonitorRow.name).where(MonitorRow.id.in_(wanted))
        )
        names = dict(found.all())
    return render(
        visitor,
        "maintenance/list.html",
        {
            "windows": windows,
            "names": names,
            "fields": FORM,
            "values": values,
            "errors": errors,
            "general_error": errors.get(GENERAL),
        },
        status_code=code,
    )
