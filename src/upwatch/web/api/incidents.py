"""/api/v1/incidents: list, detail with timeline, acknowledge, resolve, notes; /ack: the
one-click link."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, status
from fastapi.responses import JSONResponse, PlainTextResponse

from upwatch.secret_key import secret_key_for
from upwatch.services import incidents, reports
from upwatch.store.tables import ApiTokenRow
from upwatch.web.deps import ReadAccess, RuntimeDep, SessionDep, require_write_token
from upwatch.web.schemas import (
    IncidentDetailOut,
    IncidentOut,
    NoteIn,
    NoteOut,
    Page,
    ResolveIn,
    TimelineEntryOut,
)

router = APIRouter(tags=["incidents"])
WriteToken = Annotated[ApiTokenRow, Depends(require_write_token)]


@router.get("/api/v1/incidents", dependencies=[ReadAccess])
async def list_incidents(
    session: SessionDep,
    monitor_id: int | None = None,
    open_: Annotated[
        bool | None, Query(alias="open", description="true: open only; false: resolved only.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[IncidentOut]:
    rows, total = await reports.list_incidents(
        session=session, limit=limit, offset=offset, monitor_id=monitor_id, open_only=open_
    )
    return Page(items=[IncidentOut.of(r) for r in rows], total=total, limit=limit, offset=offset)


@router.get("/api/v1/incidents/{incident_id}", dependencies=[ReadAccess])
async def get_incident(incident_id: int, session: SessionDep) -> IncidentDetailOut:
    """The incident with its timeline: opened, notifications, acknowledged, notes, resolved."""
    row = await reports.get_incident(session=session, incident_id=incident_id)
    entries = await incidents.timeline(session=session, incident_id=incident_id)
    return IncidentDetailOut(
        **IncidentOut.of(row).model_dump(),
        timeline=[TimelineEntryOut(at=e.at, kind=e.kind, detail=e.detail) for e in entries],
    )


@router.post("/api/v1/incidents/{incident_id}/acknowledge")
async def acknowledge(
    incident_id: int, token: WriteToken, runtime: RuntimeDep, session: SessionDep
) -> IncidentOut:
    row = await incidents.acknowledge(
        session=session, incident_id=incident_id, by=f"token {token.name}", now=runtime.clock()
    )
    await session.commit()
    return IncidentOut.of(row)


@router.post(
    "/api/v1/incidents/{incident_id}/resolve",
    response_model=IncidentOut,
    responses={status.HTTP_409_CONFLICT: {"description": "The incident is resolved already."}},
)
async def resolve(
    incident_id: int,
    token: WriteToken,
    runtime: RuntimeDep,
    session: SessionDep,
    body: Annotated[ResolveIn | None, Body()] = None,
) -> IncidentOut | JSONResponse:
    """Close an open incident by hand. A monitor that is still failing opens a new incident at
    its next failing check; the channels told of this one get a `resolved` notice."""
    try:
        row = await incidents.resolve(
            session=session,
            incident_id=incident_id,
            by=f"token {token.name}",
            note=body.note if body else None,
            now=runtime.clock(),
        )
    except incidents.IncidentAlreadyResolvedError as exc:
        return JSONResponse(status_code=status.HTTP_409_CONFLICT, content={"error": str(exc)})
    await session.commit()
    return IncidentOut.of(row)


@router.post("/api/v1/incidents/{incident_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    incident_id: int, note: NoteIn, token: WriteToken, runtime: RuntimeDep, session: SessionDep
) -> NoteOut:
    row = await incidents.add_note(
        session=session,
        incident_id=incident_id,
        author=f"token {token.name}",
        text=note.text,
        now=runtime.clock(),
    )
    await session.commit()
    return NoteOut.model_validate(row)


@router.get("/ack/{incident_id}/{signature}", response_class=PlainTextResponse)
async def acknowledge_by_link(
    incident_id: int, signature: str, runtime: RuntimeDep, session: SessionDep
) -> PlainTextResponse:
    """The signed one-click link in every alert: no login, valid for this incident only."""
    if not incidents.signature_valid(secret_key_for(runtime.settings), incident_id, signature):
        return PlainTextResponse("this link is not valid\n", status_code=status.HTTP_403_FORBIDDEN)
    row = await incidents.acknowledge(
        session=session, incident_id=incident_id, by="one-click link", now=runtime.clock()
    )
    await session.commit()
    return PlainTextResponse(f"Incident {row.id} is acknowledged.\n")
