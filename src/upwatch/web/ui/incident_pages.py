"""Incidents: the list, one incident's timeline, acknowledging, resolving by hand and notes.

Incidents resolve by themselves when their monitor recovers; resolving one by hand is for an
incident nobody needs any more (see ``services.incidents`` for what follows).
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response, status
from sqlalchemy import select

from upwatch.services import incidents, reports
from upwatch.services.incidents import NOTE_LIMIT
from upwatch.store.tables import ChannelRow, MonitorRow
from upwatch.web.deps import SessionDep
from upwatch.web.ui.auth import Editor, Member, Visitor, get_visitor
from upwatch.web.ui.signin import redirect
from upwatch.web.ui.templating import render

router = APIRouter(
    prefix="/incidents", dependencies=[Depends(get_visitor)], include_in_schema=False
)
PAGE_SIZE = 50


@router.get("")
async def incidents_page(
    visitor: Member, session: SessionDep, state: str = "all", page: int = 1
) -> Response:
    open_only = {"open": True, "resolved": False}.get(state)
    page = max(page, 1)
    rows, total = await reports.list_incidents(
        session=session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, open_only=open_only
    )
    names = await _monitor_names(session, {row.monitor_id for row in rows})
    return render(
        visitor,
        "incidents/list.html",
        {
            "incidents": rows,
            "names": names,
            "state": state if open_only is not None else "all",
            "page": page,
            "pages": max(1, -(-total // PAGE_SIZE)),
            "total": total,
        },
    )


@router.get("/{incident_id}")
async def incident_page(incident_id: int, visitor: Member, session: SessionDep) -> Response:
    return await _incident(visitor, session, incident_id)


@router.post("/{incident_id}/acknowledge")
async def acknowledge(incident_id: int, visitor: Editor, session: SessionDep) -> Response:
    await incidents.acknowledge(
        session=session, incident_id=incident_id, by=visitor.username, now=visitor.runtime.clock()
    )
    await session.commit()
    return redirect(f"/incidents/{incident_id}")


@router.post("/{incident_id}/resolve")
async def resolve(
    incident_id: int, visitor: Editor, session: SessionDep, note: Annotated[str, Form()] = ""
) -> Response:
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        return await _incident(
            visitor,
            session,
            incident_id,
            resolve_note=note,
            resolve_error=f"write at most {NOTE_LIMIT} characters",
            code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    try:
        await incidents.resolve(
            session=session,
            incident_id=incident_id,
            by=visitor.username,
            note=note or None,
            now=visitor.runtime.clock(),
        )
    except incidents.IncidentAlreadyResolvedError:
        return await _incident(
            visitor,
            session,
            incident_id,
            resolve_error="Someone or the monitor's recovery resolved it already.",
            code=status.HTTP_409_CONFLICT,
        )
    await session.commit()
    return redirect(f"/incidents/{incident_id}")


@router.post("/{incident_id}/notes")
async def add_note(
    incident_id: int, visitor: Editor, session: SessionDep, text: Annotated[str, Form()] = ""
) -> Response:
    if not 1 <= len(text.strip()) <= NOTE_LIMIT:
        error = f"write 1 to {NOTE_LIMIT} characters"
        return await _incident(
            visitor,
            session,
            incident_id,
            note=text,
            error=error,
            code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    await incidents.add_note(
        session=session,
        incident_id=incident_id,
        author=visitor.username,
        text=text.strip(),
        now=visitor.runtime.clock(),
    )
    await session.commit()
    return redirect(f"/incidents/{incident_id}")


async def _incident(
    visitor: Visitor,
    session: SessionDep,
    incident_id: int,
    *,
    note: str = "",
    error: str | None = None,
    resolve_note: str = "",
    resolve_error: str | None = None,
    code: int = status.HTTP_200_OK,
) -> Response:
    row = await reports.get_incident(session=session, incident_id=incident_id)
    timeline = await incidents.timeline(session=session, incident_id=incident_id)
    channel_names = dict((await session.execute(select(ChannelRow.id, ChannelRow.name))).all())
    names = await _monitor_names(session, {row.monitor_id})
    return render(
        visitor,
        "incidents/detail.html",
        {
            "incident": row,
            "monitor_name": names.get(row.monitor_id, f"monitor {row.monitor_id}"),
            "timeline": timeline,
            "channel_names": channel_names,
            "note": note,
            "error": error,
            "resolve_note": resolve_note,
            "resolve_error": resolve_error,
        },
        status_code=code,
    )


async def _monitor_names(session: SessionDep, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = await session.execute(
        select(MonitorRow.id, MonitorRow.name).where(MonitorRow.id.in_(ids))
    )
    return dict(found.all())
