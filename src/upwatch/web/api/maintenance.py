"""/api/v1/maintenance: maintenance windows, during which monitors alert nothing."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Response, status

from upwatch.domain.maintenance import MaintenanceWindowSpec, is_active, next_occurrence
from upwatch.services import maintenance
from upwatch.store.tables import MaintenanceWindowRow
from upwatch.web.deps import ReadAccess, RuntimeDep, SessionDep, WriteAccess

router = APIRouter(prefix="/api/v1/maintenance", tags=["maintenance"])
WindowBody = Annotated[MaintenanceWindowSpec, Body()]


def _document(row: MaintenanceWindowRow, now: datetime) -> dict[str, Any]:
    spec = maintenance.window_spec(row)
    upcoming = next_occurrence(spec, now)
    return {
        "id": row.id,
        **spec.model_dump(mode="json"),
        "active": is_active(spec, now),
        "next": {"starts_at": upcoming.start, "ends_at": upcoming.end} if upcoming else None,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[WriteAccess])
async def create_window(
    spec: WindowBody, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    """One-off: `starts_at` and `ends_at`. Recurring: `rrule` or `cron`, `duration` (seconds)
    and `timezone`; `starts_at` (default: today's local midnight) and `ends_at` bound it.
    Scope: `monitor_ids` and/or `tags`."""
    now = runtime.clock()
    row = await maintenance.create_window(session=session, spec=spec.anchored(now=now), now=now)
    await session.commit()
    return _document(row, now)


@router.get("", dependencies=[ReadAccess])
async def list_windows(runtime: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    now = runtime.clock()
    rows = await maintenance.list_windows(session=session)
    return {"items": [_document(row, now) for row in rows], "total": len(rows)}


@router.get("/{window_id}", dependencies=[ReadAccess])
async def get_window(window_id: int, runtime: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    row = await maintenance.get_window(session=session, window_id=window_id)
    return _document(row, runtime.clock())


@router.patch("/{window_id}", dependencies=[WriteAccess])
async def patch_window(
    window_id: int,
    changes: Annotated[dict[str, Any], Body(description="Fields to change.")],
    runtime: RuntimeDep,
    session: SessionDep,
) -> dict[str, Any]:
    now = runtime.clock()
    row = await maintenance.get_window(session=session, window_id=window_id)
    merged = {**maintenance.window_spec(row).model_dump(mode="json"), **changes}
    spec = MaintenanceWindowSpec.model_validate(merged).anchored(now=now)
    row = await maintenance.update_window(session=session, window_id=window_id, spec=spec, now=now)
    await session.commit()
    return _document(row, now)


@router.delete("/{window_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WriteAccess])
async def delete_window(window_id: int, session: SessionDep) -> Response:
    await maintenance.delete_window(session=session, window_id=window_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
