"""/api/v1/incidents: list with filters, and detail."""

from typing import Annotated

from fastapi import APIRouter, Query

from upwatch.services import reports
from upwatch.web.deps import ReadAccess, SessionDep
from upwatch.web.schemas import IncidentOut, Page

router = APIRouter(prefix="/api/v1/incidents", tags=["incidents"], dependencies=[ReadAccess])


@router.get("")
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


@router.get("/{incident_id}")
async def get_incident(incident_id: int, session: SessionDep) -> IncidentOut:
    return IncidentOut.of(await reports.get_incident(session=session, incident_id=incident_id))
