"""SLA reports per monitor for a month or any range, from rollups and incidents.

- **Uptime %**: ``(checks - failures) / checks`` from the rollups; results during maintenance
  and checks Upwatch could not run are not checks.
- **Downtime**: minutes of the period during which an incident was open (DOWN).
- **Incidents**: incidents opened within the period.
- **MTTR** (mean time to recovery): the mean duration of those incidents that are resolved.
- **MTBF** (mean time between failures): operating time / failures, where operating time is
  the part of the period the monitor existed, up to now, less its downtime, and failures are
  the incidents opened within the period.
"""

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.errors import ValidationFailedError
from upwatch.services import rollups
from upwatch.services.rollup_tally import Tally, downtime_seconds
from upwatch.store.tables import (
    IncidentRow,
    MonitorRow,
    StatusPageComponentRow,
    StatusPageGroupRow,
    StatusPageRow,
)
from upwatch.store.types import MAX_ID


@dataclass(frozen=True, slots=True)
class SlaReport:
    monitor_id: int
    monitor: str
    since: datetime
    until: datetime
    checks: int
    failures: int
    maintenance: int
    uptime_percent: float | None
    downtime_minutes: float
    incidents: int
    mttr_minutes: float | None
    mtbf_hours: float | None


CSV_FIELDS = tuple(SlaReport.__dataclass_fields__)


# How the API names the inputs its errors point at; the CLI passes its own option names.
API_FIELDS: Mapping[str, str] = MappingProxyType(
    {name: name for name in ("month", "since", "until", "monitor", "status_page")}
)


def report_period(
    *,
    month: str | None,
    since: datetime | None,
    until: datetime | None,
    fields: Mapping[str, str] = API_FIELDS,
) -> tuple[datetime, datetime]:
    """The period a report covers: a UTC month, or a ``since``/``until`` range (in UTC)."""
    if month is not None:
        if since is not None or until is not None:
            raise ValidationFailedError([(fields["month"], "give either month or since and until")])
        return month_range(month, field=fields["month"])
    if since is not None and until is not None:
        return check_range(since, until, fields=fields)
    if since is not None or until is not None:  # name the half that is missing
        missing = fields["until" if until is None else "since"]
        raise ValidationFailedError([(missing, "give both since and until, or a month")])
    raise ValidationFailedError([(fields["month"], "give a month, or both since and until")])


async def report_monitors(
    *,
    session: AsyncSession,
    monitor_ids: Sequence[int],
    status_page: str | None,
    fields: Mapping[str, str] = API_FIELDS,
) -> list[int]:
    """The monitors asked for by id, then every monitor on the status page, if one is named."""
    wanted = list(monitor_ids)
    if status_page is not None:
        on_page = await status_page_monitors(session=session, slug=status_page, fields=fields)
        if not wanted and not on_page:
            problem = f"{status_page!r} shows no monitors"
            raise ValidationFailedError([(fields["status_page"], problem)])
        wanted += on_page
    if not wanted:
        problem = "give at least one monitor or a status page"
        raise ValidationFailedError([(fields["monitor"], problem)])
    return wanted


def month_range(month: str, *, field: str = "month") -> tuple[datetime, datetime]:
    """``2026-10`` → the first instant of October 2026 and of November 2026, in UTC."""
    try:
        start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    except ValueError:
        raise ValidationFailedError([(field, "expected a month as YYYY-MM")]) from None
    try:
        following = (start + timedelta(days=32)).replace(day=1)
    except OverflowError:  # no month follows December 9999 to end the range
        raise ValidationFailedError([(field, "must be before 9999-12")]) from None
    return start, following


def check_range(
    since: datetime, until: datetime, *, fields: Mapping[str, str] = API_FIELDS
) -> tuple[datetime, datetime]:
    """The range in UTC: rollups are per UTC hour and day, and splitting a range given in
    another offset (+05:30, say) at its own whole hours would miss or double-count results."""
    problems = []
    in_utc = []
    for name, value in ((fields["since"], since), (fields["until"], until)):
        if value.tzinfo is None:
            problems.append((name, "needs a time zone, e.g. 2026-10-01T00:00:00Z"))
            continue
        try:
            in_utc.append(value.astimezone(UTC))
        except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00, before the year 1 in UTC
            problems.append((name, "is out of range"))
    if not problems and until <= since:
        problems.append((fields["until"], "must be after since"))
    if problems:
        raise ValidationFailedError(problems)
    return in_utc[0], in_utc[1]


async def status_page_monitors(
    *, session: AsyncSession, slug: str, fields: Mapping[str, str] = API_FIELDS
) -> list[int]:
    found = await session.scalars(
        select(StatusPageComponentRow.monitor_id)
        .join(StatusPageGroupRow, StatusPageGroupRow.id == StatusPageComponentRow.group_id)
        .join(StatusPageRow, StatusPageRow.id == StatusPageGroupRow.status_page_id)
        .where(StatusPageRow.slug == slug)
        .order_by(StatusPageGroupRow.position, StatusPageComponentRow.position)
    )
    monitor_ids = list(dict.fromkeys(found))
    if not monitor_ids:
        page = await session.scalar(select(StatusPageRow.id).where(StatusPageRow.slug == slug))
        if page is None:
            raise ValidationFailedError([(fields["status_page"], f"no status page {slug!r}")])
    return monitor_ids


async def sla_reports(
    *,
    session: AsyncSession,
    monitor_ids: Sequence[int],
    since: datetime,
    until: datetime,
    now: datetime,
    fields: Mapping[str, str] = API_FIELDS,
) -> list[SlaReport]:
    """One report per monitor, in the order asked; an unknown monitor id is a 422."""
    since, until = check_range(since, until, fields=fields)
    wanted = list(dict.fromkeys(monitor_ids))
    monitors = {
        row.id: row
        for row in await session.scalars(
            select(MonitorRow).where(MonitorRow.id.in_([m for m in wanted if 0 < m <= MAX_ID]))
        )
    }
    unknown = [m for m in wanted if m not in monitors]
    if unknown:
        raise ValidationFailedError(
            [(fields["monitor"], f"no monitor with id {m}") for m in unknown]
        )
    end = max(since, min(until, now))
    tallies = await rollups.tallies(
        session=session, monitor_ids=wanted, since=since, until=end, with_sketch=False
    )
    down = await downtime_seconds(session, since=since, until=end, monitor_ids=wanted)
    opened = await session.execute(
        select(IncidentRow.monitor_id, IncidentRow.opened_at, IncidentRow.resolved_at).where(
            IncidentRow.monitor_id.in_(wanted),
            IncidentRow.opened_at >= since,
            IncidentRow.opened_at < until,
        )
    )
    repairs: dict[int, list[float]] = {m: [] for m in wanted}
    counts = dict.fromkeys(wanted, 0)
    for monitor_id, opened_at, resolved_at in opened:
        counts[monitor_id] += 1
        if resolved_at is not None:
            repairs[monitor_id].append((resolved_at - opened_at).total_seconds())
    reports = []
    for monitor_id in wanted:
        monitor = monitors[monitor_id]
        tally = tallies.get(monitor_id, Tally())
        downtime = down.get(monitor_id, 0.0)
        existed = max(since, min(monitor.created_at, end))
        operating = max((end - existed).total_seconds() - downtime, 0.0)
        failures = counts[monitor_id]
        fixes = repairs[monitor_id]
        reports.append(
            SlaReport(
                monitor_id=monitor_id,
                monitor=monitor.name,
                since=since,
                until=until,
                checks=tally.checks,
                failures=tally.failures,
                maintenance=tally.maintenance,
                uptime_percent=tally.uptime_percent,
                downtime_minutes=round(downtime / 60, 2),
                incidents=failures,
                mttr_minutes=round(sum(fixes) / len(fixes) / 60, 2) if fixes else None,
                mtbf_hours=round(operating / failures / 3600, 2) if failures else None,
            )
        )
    return reports


def as_json(report: SlaReport) -> dict[str, object]:
    document = asdict(report)
    document["since"] = report.since.isoformat()
    document["until"] = report.until.isoformat()
    return document


def as_csv(reports: Sequence[SlaReport]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for report in reports:
        writer.writerow({k: _cell(v) for k, v in as_json(report).items()})
    return out.getvalue()


# A spreadsheet runs a cell starting with one of these as a formula, so a monitor named
# =HYPERLINK(...) would run in whoever opens the report; OWASP's advice on CSV injection is a
# leading apostrophe, which shows the text as it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
