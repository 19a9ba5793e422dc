"""Hourly rollups on PostgreSQL: one set-based statement for a whole range of hours.

The statement counts each (monitor, hour), buckets the latencies with the sketch's own mapping
(``ceil(ln(x) / ln(GAMMA))`` on float8, as ``bucket_of`` computes it), encodes the buckets into
the sketch's byte format, reads the three percentiles off the cumulative bucket counts, adds the
incident downtime and upserts the rows: nothing passes through Python. The bytes and
percentiles are the ones ``LatencySketch`` would produce from the same latencies (the rollup
tests hold the two to it).
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Integer

from upwatch.domain.latency_sketch import GAMMA, LN_GAMMA, MIN_LATENCY_MS, PERCENTILES
from upwatch.services.rollup_tally import CHECK_OUTCOMES, MAINTENANCE, NOT_RUN

# A varint has at most five bytes here: counts and bucket distances stay far below 2**35.
VARINT_BYTES = 5
WORK_MEM = "64MB"


def varint(column: str) -> str:
    """SQL for the varint bytes of a non-negative bigint ``column``, least significant first."""
    branches = []
    for width in range(1, VARINT_BYTES + 1):
        value = "'\\x" + "00" * width + "'::bytea"
        for index in range(width):
            part = f"({column} >> {7 * index}) & 127"
            if index < width - 1:
                part = f"({part}) | 128"
            value = f"set_byte({value}, {index}, CAST({part} AS integer))"
        limit = 1 << (7 * width)
        branches.append(value if width == VARINT_BYTES else f"WHEN {column} < {limit} THEN {value}")
    return f"CASE {' '.join(branches[:-1])} ELSE {branches[-1]} END"


def bucket_value(bucket: str) -> str:
    """SQL for ``round(value_of(bucket), 2)``: the same float8 arithmetic as ``value_of``."""
    value = f"2 * power(CAST(:gamma AS float8), {bucket}) / (CAST(:gamma AS float8) + 1)"
    return f"CAST(round(CAST({value} AS numeric), 2) AS float8)"


def _percentile(percent: int) -> str:
    # float8 arithmetic, as LatencySketch ranks: rank = q * (total - 1)
    rank = f"CAST({percent / 100!r} AS float8) * (total - 1)"
    return f"{bucket_value(f'min(bucket) FILTER (WHERE seen > {rank})')} AS p{percent}"


_CHECKS = ", ".join(f"'{outcome}'" for outcome in CHECK_OUTCOMES)
_COLUMNS = (
    "checks, failures, degraded, maintenance, not_run, downtime_seconds, "
    "latency_p50, latency_p95, latency_p99, latency_sketch"
)
# Built from constants only; every value is a bind parameter.
_STATEMENT = f"""
WITH grouped AS (
    -- One pass over the results: a group per (monitor, hour, latency bucket); checks without
    -- a latency, maintenance and not-run results fall in the NULL bucket.
    SELECT monitor_id, date_trunc('hour', scheduled_at, 'UTC') AS hour,
           CASE WHEN latency_ms IS NOT NULL AND outcome IN ({_CHECKS}) THEN
               CAST(ceil(ln(greatest(CAST(latency_ms AS float8), :min_latency)) / :ln_gamma)
                    AS bigint)
           END AS bucket,
           count(*) FILTER (WHERE outcome IN ({_CHECKS})) AS checks,
           count(*) FILTER (WHERE outcome = 'down') AS failures,
           count(*) FILTER (WHERE outcome = 'degraded') AS degraded,
           count(*) FILTER (WHERE outcome = '{MAINTENANCE}') AS maintenance,
           count(*) FILTER (WHERE outcome = '{NOT_RUN}') AS not_run
    FROM check_results
    WHERE scheduled_at >= :since AND scheduled_at < :until {{results_of}}
    GROUP BY 1, 2, 3
),
ranked AS (
    SELECT *, CASE WHEN step >= 0 THEN 2 * step ELSE -2 * step - 1 END AS zigzag
    FROM (
        SELECT grouped.*,
               bucket - coalesce(lag(bucket) OVER running, 0) AS step,
               CAST(sum(checks) OVER running AS bigint) AS seen,
               CAST(sum(checks) FILTER (WHERE bucket IS NOT NULL) OVER hour_of AS bigint)
                   AS total
        FROM grouped
        WINDOW hour_of AS (PARTITION BY monitor_id, hour),
               running AS (hour_of ORDER BY bucket NULLS LAST)
    ) AS stepped
),
counts AS (
    SELECT monitor_id, hour,
           sum(checks) AS checks, sum(failures) AS failures, sum(degraded) AS degraded,
           sum(maintenance) AS maintenance, sum(not_run) AS not_run,
           string_agg({varint("zigzag")} || {varint("checks")}, ''::bytea ORDER BY bucket)
               FILTER (WHERE bucket IS NOT NULL) AS sketch,
           {", ".join(_percentile(percent) for percent in PERCENTILES)}
    FROM ranked GROUP BY monitor_id, hour
),
hours AS (
    SELECT hour, least(hour + interval '1 hour', :now) AS hour_end
    FROM generate_series(CAST(:since AS timestamptz), CAST(:until AS timestamptz)
                         - interval '1 hour', interval '1 hour') AS series (hour)
),
down AS (
    SELECT i.monitor_id, h.hour,
           sum(extract(epoch FROM least(coalesce(i.resolved_at, h.hour_end), h.hour_end)
                                  - greatest(i.opened_at, h.hour))) AS seconds
    FROM hours AS h
    JOIN incidents AS i
      ON i.opened_at < h.hour_end AND (i.resolved_at IS NULL OR i.resolved_at > h.hour)
    WHERE h.hour < h.hour_end {{incidents_of}}
    GROUP BY i.monitor_id, h.hour
)
INSERT INTO rollups_hourly (monitor_id, hour, {_COLUMNS})
SELECT m.id, coalesce(c.hour, d.hour),
       coalesce(c.checks, 0), coalesce(c.failures, 0), coalesce(c.degraded, 0),
       coalesce(c.maintenance, 0), coalesce(c.not_run, 0),
       CAST(round(coalesce(d.seconds, 0), 3) AS float8),
       c.p50, c.p95, c.p99, coalesce(c.sketch, ''::bytea)
FROM counts AS c
FULL JOIN down AS d ON d.monitor_id = c.monitor_id AND d.hour = c.hour
JOIN monitors AS m ON m.id = coalesce(c.monitor_id, d.monitor_id)
WHERE c.monitor_id IS NOT NULL OR d.seconds > 0
ON CONFLICT (monitor_id, hour) DO UPDATE SET
    {", ".join(f"{name} = excluded.{name}" for name in _COLUMNS.split(", "))}
"""  # noqa: S608
_ALL = text(_STATEMENT.format(results_of="", incidents_of=""))
_SOME = text(
    _STATEMENT.format(
        results_of="AND monitor_id = ANY(:monitor_ids)",
        incidents_of="AND i.monitor_id = ANY(:monitor_ids)",
    )
).bindparams(bindparam("monitor_ids", type_=ARRAY(Integer)))


async def upsert_hours_in_one_statement(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    monitor_ids: Sequence[int] | None,
    now: datetime,
) -> int:
    """Upsert the hourly rows of the whole hours in ``[since, until)``; returns the row count.
    Downtime of incidents still open counts up to ``now``."""
    parameters = {
        "since": since,
        "until": until,
        "now": now,
        "gamma": GAMMA,
        "ln_gamma": LN_GAMMA,
        "min_latency": MIN_LATENCY_MS,
    }
    # JIT compiling this statement costs more than running it; the sort of an hour of results
    # fits in memory instead of spilling to disk; grouping by sorting (not hashing) hands the
    # window functions their rows already in order (a third less CPU, measured).
    await session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    await session.execute(text("SET LOCAL jit = off"))
    await session.execute(text("SET LOCAL enable_hashagg = off"))
    if monitor_ids is None:
        result = await session.execute(_ALL, parameters)
    else:
        result = await session.execute(_SOME, parameters | {"monitor_ids": list(monitor_ids)})
    return int(result.rowcount)  # type: ignore[attr-defined]
