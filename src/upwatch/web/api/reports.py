"""/api/v1/reports/sla: uptime, downtime, incidents, MTTR and MTBF per monitor, JSON or CSV."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

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
    start, end = sla.report_period(month=month, since=since, until=until)
    monitor_ids = await sla.report_monitors(
        session=session, monitor_ids=monitor or [], status_page=status_page
    )
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
