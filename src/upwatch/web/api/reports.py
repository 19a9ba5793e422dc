"""/api/v1/reports/sla: uptime, downtime, incidents, MTTR and MTBF per monitor, JSON or CSV."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

from upwatch.errors import ValidationFailedError
from upwatch.services import sla
from upwatch.web.deps import ReadAccess, RuntimeDep, SessionDep

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
CSV = "text/csv"


@router.get("/sla", dependencies=[ReadAccess], response_model=None)
async def sla_report(
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    monitor: Annotated[list[int] | None, Query(description="Monitor id; may repeat.")] = None,
    status_page: Annotated[
        str | None, Query(description="Every monitor on the status page with this slug.")
    ] = None,
    month: Annotated[str | None, Query(description="A UTC month, YYYY-MM.")] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    format: Annotated[
        Literal["json", "csv"] | None, Query(description="Default: JSON, or CSV if accepted.")
    ] = None,
) -> dict[str, Any] | Response:
    """For a `month` or a `since`/`until` range; see the README for the definitions."""
    if month is not None:
        if since is not None or until is not None:
            raise ValidationFailedError([("month", "give either month or since and until")])
        start, end = sla.month_range(month)
    elif since is not None and until is not None:
        start, end = since, until
    elif since is not None or until is not None:  # name the half that is missing
        missing = "until" if until is None else "since"
        raise ValidationFailedError([(missing, "give both since and until, or a month")])
    else:
        raise ValidationFailedError([("month", "give a month, or both since and until")])
    monitor_ids = list(monitor or [])
    if status_page is not None:
        monitor_ids += await sla.status_page_monitors(session=session, slug=status_page)
    if not monitor_ids and status_page is not None:
        raise ValidationFailedError([("status_page", f"{status_page!r} shows no monitors")])
    if not monitor_ids:
        raise ValidationFailedError([("monitor", "give at least one monitor or a status_page")])
    reports = await sla.sla_reports(
        session=session, monitor_ids=monitor_ids, since=start, until=end, now=runtime.clock()
    )
    wants_csv = format == "csv" or (format is None and CSV in request.headers.get("accept", ""))
    if wants_csv:
        # Without a name a browser or `curl -OJ` saves every report as "sla".
        disposition = f'attachment; filename="{_csv_name(month, start, end)}"'
        return Response(
            sla.as_csv(reports),
            media_type=f"{CSV}; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )
    return {
        "since": start.isoformat(),
        "until": end.isoformat(),
        "reports": [sla.as_json(report) for report in reports],
    }


def _csv_name(month: str | None, start: datetime, end: datetime) -> str:
    if month is not None:
        return f"sla-{start:%Y-%m}.csv"
    stamp = "%Y%m%dT%H%M%SZ"
    return f"sla-{start.astimezone(UTC):{stamp}}-{end.astimezone(UTC):{stamp}}.csv"
