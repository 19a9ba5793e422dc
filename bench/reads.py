"""Reads: monitor list, summary, incidents, status page and SLA report over 30 days of results."""

import asyncio
import random
import secrets
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from sqlalchemy import text

from bench.lib.monitors import Kind, insert_monitors
from bench.lib.proc import UPWATCH, Processes
from bench.lib.proc import run as run_command
from bench.lib.report import Figure, Section, table
from bench.lib.results import scalar
from bench.lib.services import create_token, migrate, postgres_database, start_serve, upwatch_env
from bench.lib.stats import percentile
from bench.options import Options
from upwatch.store.database import create_engine
from upwatch.store.urls import to_async_url
from upwatch.web.ui.auth import SESSION_COOKIE

NAME = "reads"
DAYS = 30
DENSE_MONITORS = 200  # these get a result every 60 s over the last day, as a real monitor would
PAGE_MONITORS = 100
# Catching up on the generated history normally takes well under a minute; the budget only
# stops a regression from holding the run for hours.
ROLLUP_BUDGET = 900.0
# Outcomes: 0.3 % down, 0.2 % degraded, the rest up; latencies skewed like real ones.
GENERATE = """
INSERT INTO check_results (monitor_id, scheduled_at, started_at, outcome, latency_ms,
                           status_code, error, details)
SELECT id, t, t + interval '4 ms',
       CASE WHEN r < 0.003 THEN 'down' WHEN r < 0.005 THEN 'degraded' ELSE 'up' END,
       CASE WHEN r < 0.003 THEN NULL WHEN r < 0.005 THEN 1500 + 500 * q
            ELSE round(CAST(15 + 60 * q * q + 5 * r AS numeric), 2) END,
       CASE WHEN r < 0.003 THEN 503 ELSE 200 END,
       CASE WHEN r < 0.003 THEN 'expected status 2xx, got 503' END,
       CAST('{}' AS json)
FROM (SELECT m.id, t, random() AS r, random() AS q
      FROM monitors m,
           generate_series(CAST(:start AS timestamptz) + make_interval(secs => (m.id * 37) % :step),
                           CAST(:end AS timestamptz), make_interval(secs => :step)) AS t
      WHERE m.id BETWEEN :first AND :last) AS generated
"""
INCIDENTS = """
INSERT INTO incidents (monitor_id, opened_at, resolved_at, cause)
SELECT id,
       CAST(:start AS timestamptz) + (id % 29) * interval '1 day' + (id % 23) * interval '1 hour',
       CAST(:start AS timestamptz) + (id % 29) * interval '1 day' + (id % 23) * interval '1 hour'
         + (1 + id % 40) * interval '1 minute',
       CAST('{"error": "expected status 2xx, got 503"}' AS json)
FROM monitors WHERE id % 10 = 0
"""


async def _generate(url: str, monitors: int, step: int, now: datetime) -> int:
    engine = create_engine(to_async_url(url))
    start = now - timedelta(days=DAYS)
    try:
        async with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                try:
                    from upwatch.store.partitions import ensure_day_partitions
                except ImportError:
                    pass
                else:
                    # A server that ran for 30 days has a partition for each of them.
                    days = [(start + timedelta(days=n)).date() for n in range(DAYS + 2)]
                    await connection.run_sync(lambda sync: ensure_day_partitions(sync, days))
        chunk = 1000
        for first in range(1, monitors + 1, chunk):
            async with engine.begin() as connection:
                await connection.execute(
                    text(GENERATE),
                    {
                        "start": start,
                        "end": now - timedelta(days=1) if first <= DENSE_MONITORS else now,
                        "step": step,
                        "first": first,
                        "last": min(first + chunk - 1, monitors),
                    },
                )
        async with engine.begin() as connection:
            await connection.execute(
                text(GENERATE),
                {
                    "start": now - timedelta(days=1),
                    "end": now,
                    "step": 60,
                    "first": 1,
                    "last": DENSE_MONITORS,
                },
            )
            await connection.execute(text(INCIDENTS), {"start": start})
        async with engine.connect() as connection:
            rows = int(await connection.scalar(text("SELECT count(*) FROM check_results")) or 0)
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()
    return rows


def _rollup(env: dict[str, str], url: str) -> tuple[str, float | None]:
    """Run `upwatch rollup` over the generated history, for at most ``ROLLUP_BUDGET`` seconds;
    returns a note for the method and the seconds it took (``None``: it did not finish)."""
    began = time.monotonic()
    try:
        run_command([*UPWATCH, "rollup"], env=env, timeout=ROLLUP_BUDGET)
    except subprocess.TimeoutExpired:
        through = asyncio.run(scalar(url, "SELECT hours_through FROM rollup_state"))
        return (
            f"`upwatch rollup` catching up on the {DAYS} days was stopped after "
            f"{ROLLUP_BUDGET:.0f} s, rolled up through {through}: reads were measured with the "
            "rollups incomplete, while `serve`'s own rollup job went on catching up in the "
            "background."
        ), None
    except RuntimeError as exc:
        return f"`upwatch rollup` failed or is absent: {str(exc)[:300]}", None
    took = time.monotonic() - began
    through = asyncio.run(scalar(url, "SELECT hours_through FROM rollup_state"))
    return (
        f"`upwatch rollup` caught up on all of it (hourly rollups through {through}, daily ones "
        f"for every whole day) in {took:.0f} s, before the reads: every read beyond the current "
        "hour comes from rollups."
    ), took


async def _create_page(base: str, token: str) -> str | None:
    headers = {"Authorization": f"Bearer {token}"}
    body = {"slug": "bench", "title": "Benchmark", "monitors": list(range(1, PAGE_MONITORS + 1))}
    async with (
        aiohttp.ClientSession(headers=headers) as client,
        client.post(f"{base}/api/v1/status-pages", json=body) as response,
    ):
        if response.status == 404:
            return None
        response.raise_for_status()
    return "bench"


async def _dashboard_cookie(url: str) -> str:
    """A signed-in admin's session cookie, made the way the sign-in page makes it."""
    from upwatch.services.accounts import create_first_admin
    from upwatch.services.web_sessions import start_session
    from upwatch.store.database import session_factory

    engine = create_engine(to_async_url(url))
    try:
        async with session_factory(engine).begin() as session:
            now = datetime.now(UTC)
            admin = await create_first_admin(
                session=session, username="bench", password=secrets.token_urlsafe(16), now=now
            )
            token = await start_session(
                session=session, user=admin, verified=True, lifetime=timedelta(hours=2), now=now
            )
    finally:
        await engine.dispose()
    return f"{SESSION_COOKIE}={token}"


async def _sample(
    base: str, token: str, paths: list[str], samples: int, cookie: str
) -> tuple[list[float], float, int]:
    """Sequential requests on one keep-alive connection: milliseconds each; first (cold) apart."""
    times: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=1)
    async with aiohttp.ClientSession(
        connector=connector, headers={"Authorization": f"Bearer {token}", "Cookie": cookie}
    ) as client:
        cold = 0.0
        for n in range(samples + 1):
            path = paths[n % len(paths)]
            started = time.perf_counter()
            async with client.get(f"{base}{path}") as response:
                await response.read()
                if response.status != 200:
                    errors += 1
            elapsed = (time.perf_counter() - started) * 1000
            if n == 0:
                cold = elapsed
            else:
                times.append(elapsed)
    return times, cold, errors


def run_benchmark(options: Options) -> Section:
    monitors, step, samples = (1_000, 3600, 60) if options.quick else (10_000, 4 * 3600, 150)
    section = Section(f"Reads: {monitors:,} monitors, {DAYS} days of results")
    rows = []
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="upwatch-bench-") as tmp, Processes(Path(tmp)) as procs:
        work = Path(tmp)
        with postgres_database("reads") as url:
            # Status pages measured as renders, not as hits on the public-page cache.
            env = upwatch_env(work, database_url=url) | {"UPWATCH_STATUS_PAGE_CACHE_SECONDS": "0"}
            migrate(env)
            asyncio.run(
                insert_monitors(
                    url, monitors, [Kind(1, {"kind": "http", "url": "http://127.0.0.1:9/"})]
                )
            )
            now = datetime.now(UTC)
            began = time.monotonic()
            results = asyncio.run(_generate(url, monitors, step, now))
            generated_in = time.monotonic() - began
            rollup_note, caught_up_in = _rollup(env, url)
            token = create_token(env)
            cookie = asyncio.run(_dashboard_cookie(url))
            base = start_serve(procs, env)
            page = asyncio.run(_create_page(base, token))
            dense = list(range(1, DENSE_MONITORS + 1))
            month = f"{now:%Y-%m}"
            endpoints: list[tuple[str, list[str], float | None]] = [
                ("GET /health (reference)", ["/health"], None),
                (
                    "monitor list, 100 per page",
                    [
                        f"/api/v1/monitors?limit=100&offset={rng.randrange(0, monitors - 100)}"
                        for _ in range(50)
                    ],
                    100,
                ),
                (
                    "monitor summary (24 h / 7 d / 30 d)",
                    [f"/api/v1/monitors/{rng.choice(dense)}/summary" for _ in range(50)],
                    None,
                ),
                ("incidents list", ["/api/v1/incidents"], None),
                (
                    "dashboard monitor list (HTML, 50 per page)",
                    [f"/?page={rng.randrange(1, monitors // 50)}" for _ in range(50)],
                    300,
                ),
                (
                    "dashboard monitor page (HTML)",
                    [f"/monitors/{rng.choice(dense)}" for _ in range(50)],
                    None,
                ),
            ]
            if page:
                endpoints.append(
                    (
                        f"status page /status/{page} ({PAGE_MONITORS} monitors)",
                        [f"/status/{page}"],
                        100,
                    )
                )
            else:
                section.skipped.append("status page: no status page API in this version")
            endpoints += [
                (
                    "SLA report, one monitor, this month",
                    [
                        f"/api/v1/reports/sla?monitor={rng.choice(dense)}&month={month}"
                        for _ in range(50)
                    ],
                    None,
                ),
            ]
            if page:
                endpoints.append(
                    (
                        f"SLA report, status page ({PAGE_MONITORS} monitors)",
                        [f"/api/v1/reports/sla?status_page={page}&month={month}"],
                        None,
                    )
                )
            measured = {}
            for name, paths, target in endpoints:
                times, cold, errors = asyncio.run(_sample(base, token, paths, samples, cookie))
                measured[name] = (times, target)
                rows.append(
                    [
                        name,
                        f"{percentile(times, 50):.1f}",
                        f"{percentile(times, 95):.1f}",
                        f"{max(times):.1f}",
                        f"{cold:.1f}",
                        str(errors),
                    ]
                )
            health_p95 = percentile(measured["GET /health (reference)"][0], 95)
            for name, (times, target) in measured.items():
                if name.startswith("GET /health"):
                    continue
                section.figures.append(
                    Figure(
                        f"{name}: p95",
                        percentile(times, 95),
                        "ms",
                        health_p95,
                        "GET /health p95",
                        target=target,
                        higher_is_better=False,
                    )
                )
    if caught_up_in is not None:
        section.figures.append(
            Figure(
                f"rollup catch-up {DAYS} days \u00d7 {monitors:,} monitors",
                caught_up_in,
                "s",
                generated_in,
                "generating the results in SQL",
                higher_is_better=False,
            )
        )
    section.tables.append(
        table(["endpoint", "p50 ms", "p95 ms", "max ms", "first (cold) ms", "non-200"], rows)
    )
    section.method = [
        f"PostgreSQL; {monitors:,} HTTP monitors; {results:,} results generated in SQL "
        f"(generate_series, {generated_in:.0f} s): one every {step // 60:,} min per monitor over "
        f"{DAYS} days, plus one every 60 s over the last day for the {DENSE_MONITORS} monitors "
        "whose summaries and SLA reports are read (so their last day is as dense as a real "
        "60 s monitor's); 0.3 % down, 0.2 % degraded; an incident for every tenth monitor. "
        + rollup_note,
        f"A real 60 s monitor has {3600 // 60 * 24 * DAYS:,} results in {DAYS} days; here most "
        f"have {24 * DAYS * 3600 // step:,}: reads that scan raw results beyond the last day would "
        "be slower at full density; reads from rollups are not affected.",
        f"`upwatch serve` on that database; {samples} sequential requests per endpoint on one "
        "keep-alive connection from a Python client on loopback, after one cold request (shown "
        "apart); ids and offsets vary between requests. Times are request-to-response on "
        "loopback (server time plus a fraction of a millisecond of client and loopback).",
        "The public-page cache is off (UPWATCH_STATUS_PAGE_CACHE_SECONDS=0), so every status "
        "page request is a full render; dashboard pages are read as a signed-in admin.",
    ]
    return section
