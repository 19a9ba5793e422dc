"""The ``upwatch`` command line."""

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import ProgrammingError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.engine.long_lived import tune_collector
from upwatch.errors import ConfigurationError, UpwatchError
from upwatch.logs import configure_logging
from upwatch.settings import Settings, get_settings

T = TypeVar("T")
app = typer.Typer(help="Upwatch: uptime and heartbeat monitoring.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
monitors_app = typer.Typer(help="Monitors as YAML files (config as code).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(monitors_app, name="monitors")
maintenance_app = typer.Typer(
    help="Maintenance windows: no alerts while one lasts.", no_args_is_help=True
)
app.add_typer(maintenance_app, name="maintenance")
statuspage_app = typer.Typer(help="Public status pages.", no_args_is_help=True)
app.add_typer(statuspage_app, name="statuspage")


def _settings(*, log_file: bool = False) -> Settings:
    try:
        settings = get_settings()
        settings.async_database_url  # noqa: B018 - validates UPWATCH_DATABASE_URL now
    except (ValidationError, ValueError) as exc:
        _fail(f"invalid settings: {exc}")
    try:
        configure_logging(
            level=settings.log_level,
            fmt=settings.log_format,
            file=settings.log_file if log_file else None,
            file_keep_days=settings.log_file_keep_days,
        )
    except OSError as exc:
        _fail(f"cannot open UPWATCH_LOG_FILE: {exc}")
    return settings


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _with_session(
    settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], *, migrate: bool
) -> T:
    from upwatch.store.database import opened_sessions

    async def run() -> T:
        async with (
            opened_sessions(settings.async_database_url, migrate=migrate) as sessions,
            sessions.begin() as session,
        ):
            return await work(session)

    try:
        return asyncio.run(run())
    except UpwatchError as exc:
        _fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        _fail(f"database unreachable or refused the request: {exc}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: UPWATCH_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: UPWATCH_PORT.")] = None,
) -> None:
    """Run everything in one process: API, scheduler, probes and ping intake."""
    from upwatch.web.app import create_app

    settings = _with_address(_settings(log_file=True), host, port)
    _serve_http(create_app(settings), settings)


def _serve_http(app: object, settings: Settings, *, workers: int = 1) -> None:
    """Serve ``app``, or with several workers the factory named by the string ``app``."""
    import uvicorn

    tune_collector()
    uvicorn.run(
        app,  # type: ignore[arg-type]
        factory=isinstance(app, str),
        workers=workers,
        host=settings.host,
        port=settings.port,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        log_config=None,
        access_log=False,
        # ECS allows 30 s between SIGTERM and SIGKILL: drain requests well within it.
        timeout_graceful_shutdown=20,
    )


def _with_address(settings: Settings, host: str | None, port: int | None) -> Settings:
    return settings.model_copy(
        update={"host": host or settings.host, "port": port or settings.port}
    )


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="Default: UPWATCH_HOST.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: UPWATCH_PORT.")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="HTTP server processes; default UPWATCH_API_WORKERS."),
    ] = None,
) -> None:
    """Fleet role: the HTTP API and ping intake; pings are queued on the broker."""
    from upwatch.web.app import create_app
    from upwatch.web.fleet_api import FACTORY

    settings = _with_address(_fleet_settings(), host, port)
    processes = workers or settings.api_workers
    if processes == 1:
        _serve_http(create_app(settings, role="api"), settings)
    else:
        # The worker processes read their settings from the environment: pass --host and
        # --port on, since the default public URL is made of them.
        os.environ.update(UPWATCH_HOST=settings.host, UPWATCH_PORT=str(settings.port))
        _serve_http(FACTORY, settings, workers=processes)


@app.command()
def scheduler() -> None:
    """Fleet role: find due checks and dispatch them; one of several leads at a time."""
    from upwatch.engine.fleet import run_scheduler_role

    settings = _fleet_settings()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_scheduler_role(settings, stop)

    import uvloop

    tune_collector()
    uvloop.run(run())


@app.command()
def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Worker processes; default UPWATCH_WORKER_CONCURRENCY.")
    ] = None,
    queues: Annotated[str, typer.Option(help="Comma-separated queues to consume.")] = ",".join(
        ("checks", "pings", "notify", "maintenance")
    ),
) -> None:
    """Fleet role: a Celery worker running check batches, writing pings, sending alerts."""
    from upwatch.worker.celery_app import create_celery
    from upwatch.worker.tasks import register_tasks

    settings = _fleet_settings()
    celery = create_celery(settings)
    register_tasks(celery, settings)
    tune_collector()
    celery.worker_main(
        [
            "worker",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            f"--queues={queues}",
            f"--loglevel={settings.log_level.upper()}",
            "--without-gossip",
            "--without-mingle",
            f"--hostname=upwatch-{os.getpid()}@%h",
        ]
    )


@app.command()
def status() -> None:
    """Backlog per queue (with dead-letter queues) and checks due against checks done."""
    from upwatch.engine.backlog import measure_backlog
    from upwatch.services.throughput import recent_throughput
    from upwatch.worker.celery_app import create_celery

    settings = _fleet_settings()
    try:
        backlog = measure_backlog(create_celery(settings))
    except Exception as exc:
        _fail(f"broker unreachable: {exc}")
    typer.echo(f"{'queue':<18}{'depth':>8}{'oldest (s)':>12}")
    for entry in backlog:
        age = "-" if entry.oldest_age_seconds is None else f"{entry.oldest_age_seconds:.1f}"
        typer.echo(f"{entry.queue:<18}{entry.depth:>8}{age:>12}")

    async def throughput(session: AsyncSession) -> str:
        due, done = await recent_throughput(session=session, minutes=5)
        return f"last 5 min: {due:.0f} checks due, {done} completed"

    typer.echo(_with_session(settings, throughput, migrate=False))


def _fleet_settings() -> Settings:
    settings = _settings()
    if not settings.broker_url:
        _fail("the fleet roles need UPWATCH_BROKER_URL (redis://, amqp:// or sqs://)")
    if settings.is_sqlite:
        _fail("the fleet roles need UPWATCH_DATABASE_URL pointing at PostgreSQL")
    return settings


@app.command()
def backup(
    to: Annotated[str, typer.Option("--to", help="A folder or s3://bucket/prefix.")],
    keep: Annotated[
        int, typer.Option(min=1, help="Backups of this tool kept there; older ones are deleted.")
    ] = 7,
) -> None:
    """Back the database up (pg_dump custom format, or SQLite's online backup)."""
    from upwatch.backups.service import create_backup
    from upwatch.engine.embedded import utc_now

    settings = _settings()
    try:
        made = create_backup(
            database_url=settings.async_database_url,
            destination=to,
            keep=keep,
            now=utc_now(),
            s3_endpoint_url=settings.s3_endpoint_url,
        )
    except UpwatchError as exc:
        _fail(f"backup failed: {exc}", code=1)
    typer.echo(f"backup written to {made.location}")
    for name in made.removed:
        typer.echo(f"removed older backup {name}")


@app.command()
def restore(
    source: Annotated[
        str,
        typer.Argument(
            metavar="FROM",
            help="A backup file or s3:// object, or a folder or prefix (its newest backup).",
        ),
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace a database that already holds monitors.")
    ] = False,
) -> None:
    """Restore a backup into the configured database (stop the other roles first)."""
    from upwatch.backups.service import restore_backup

    settings = _settings()
    try:
        restored = restore_backup(
            database_url=settings.async_database_url,
            source=source,
            replace=yes,
            s3_endpoint_url=settings.s3_endpoint_url,
        )
    except UpwatchError as exc:
        _fail(f"restore failed: {exc}", code=1)
    typer.echo(f"restored {restored.source} into the {restored.target}")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations up to the newest schema."""
    settings = _settings()

    async def nothing(_: AsyncSession) -> None:
        return None

    _with_session(settings, nothing, migrate=True)
    typer.echo("database schema is up to date")


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="What the token is for.")],
    read_only: Annotated[bool, typer.Option("--read-only", help="Allow reads only.")] = False,
) -> None:
    """Create an API token and print it on the last line. It is shown only once."""
    from upwatch.engine.embedded import utc_now
    from upwatch.services.tokens import create_token

    settings = _settings()

    async def create(session: AsyncSession) -> str:
        _, token = await create_token(
            session=session, name=name, read_only=read_only, now=utc_now()
        )
        return token

    token = _with_session(settings, create, migrate=settings.is_sqlite)
    scope = "read-only" if read_only else "read-write"
    typer.echo(f"Created {scope} token {name!r}. Store it now; it is not shown again:")
    typer.echo(token)


@monitors_app.command("import")
def monitors_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Create or update (matched by name) every monitor in FILE; all or nothing."""
    from upwatch.engine.embedded import utc_now
    from upwatch.errors import ValidationFailedError
    from upwatch.monitor_files import load_monitor_file
    from upwatch.services import monitors
    from upwatch.services.dependencies import ensure_valid_dependencies
    from upwatch.services.targets import ensure_allowed_targets

    settings = _settings()
    try:
        specs = load_monitor_file(file)
    except ConfigurationError as exc:
        _fail(str(exc))
    policy = settings.target_policy

    async def apply(session: AsyncSession) -> tuple[int, int]:
        created = updated = 0
        now = utc_now()
        for index, spec in enumerate(specs):
            try:
                await ensure_allowed_targets(spec, policy)
            except UpwatchError as exc:
                raise ConfigurationError(f"{file}: monitors[{index}]: {exc}") from exc
            existing = await monitors.find_by_name(session=session, name=spec.name)
            try:
                await ensure_valid_dependencies(
                    session=session,
                    monitor_id=existing.id if existing else None,
                    depends_on=spec.depends_on,
                )
            except ValidationFailedError as exc:
                raise ConfigurationError(f"{file}: monitors[{index}].{exc}") from exc
            if existing is None:
                await monitors.create_monitor(session=session, spec=spec, now=now)
                created += 1
            else:
                await monitors.update_monitor(
                    session=session, monitor_id=existing.id, spec=spec, now=now
                )
                updated += 1
        return created, updated

    created, updated = _with_session(settings, apply, migrate=settings.is_sqlite)
    typer.echo(f"imported {file}: {created} created, {updated} updated")


@monitors_app.command("export")
def monitors_export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")
    ] = None,
) -> None:
    """Write every monitor as YAML, in the format `monitors import` reads."""
    from sqlalchemy import select

    from upwatch.monitor_files import dump_monitor_file
    from upwatch.store.monitors import spec_of
    from upwatch.store.tables import MonitorRow

    settings = _settings()

    async def export(session: AsyncSession) -> str:
        rows = (await session.scalars(select(MonitorRow).order_by(MonitorRow.id))).all()
        return dump_monitor_file(spec_of(row) for row in rows)

    text = _with_session(settings, export, migrate=settings.is_sqlite)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


@app.command()
def check(
    file: Annotated[Path | None, typer.Argument(help="A monitors YAML file.")] = None,
    url: Annotated[str | None, typer.Option(help="Check this URL with an HTTP monitor.")] = None,
) -> None:
    """Run checks once, now, and print their results; exit 1 if any is DOWN."""
    from upwatch.checks_once import run_checks_once

    settings = _settings()
    if (file is None) == (url is None):
        _fail("give either a FILE or --url")
    try:
        lines, any_down = asyncio.run(run_checks_once(settings=settings, file=file, url=url))
    except ConfigurationError as exc:
        _fail(str(exc))
    for line in lines:
        typer.echo(line)
    raise typer.Exit(1 if any_down else 0)


@statuspage_app.command("export")
def statuspage_export(
    slug: Annotated[str, typer.Argument(help="The status page's slug.")],
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Folder to write the site into.")
    ],
) -> None:
    """Write the page as a static site (index.html, status.json, assets/) for S3 + CloudFront."""
    from upwatch.engine.embedded import utc_now
    from upwatch.services.status_summary import StatusSummary
    from upwatch.web.status.export import check_writable, summary_for_export, write_site

    settings = _settings()

    def cannot_write(exc: OSError) -> NoReturn:
        _fail(f"cannot write the site into {directory}: {exc.strerror or exc}")

    try:
        check_writable(directory)
    except OSError as exc:
        cannot_write(exc)

    async def summarise(session: AsyncSession) -> StatusSummary:
        return await summary_for_export(session=session, slug=slug, now=utc_now())

    summary = _with_session(settings, summarise, migrate=settings.is_sqlite)
    try:
        written = write_site(summary, directory)
    except OSError as exc:
        cannot_write(exc)
    typer.echo(f"wrote {', '.join(str(path) for path in written)} into {directory}")


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}


def _seconds(text: str) -> int:
    """``7200``, ``90m``, ``2h`` or ``1d`` as seconds."""
    unit = _DURATION_UNITS.get(text[-1:].lower(), 1) if text else 1
    number = text[:-1] if text[-1:].lower() in _DURATION_UNITS else text
    try:
        return int(float(number) * unit)
    except ValueError:
        _fail(f"--duration: {text!r} is not a duration such as 7200, 90m, 2h or 1d")


@maintenance_app.command("add")
def maintenance_add(
    name: Annotated[str, typer.Option(help="What the window is for.")],
    monitor: Annotated[
        list[int] | None, typer.Option("--monitor", help="Monitor id covered (repeatable).")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Monitors with this tag (repeatable).")
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="ISO 8601 with offset; the start of a one-off window.")
    ] = None,
    end: Annotated[str | None, typer.Option(help="ISO 8601 with offset; its end.")] = None,
    rrule: Annotated[
        str | None, typer.Option(help='Recurring: e.g. "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2".')
    ] = None,
    cron: Annotated[str | None, typer.Option(help='Recurring: e.g. "0 2 * * 0".')] = None,
    duration: Annotated[
        str | None, typer.Option(help="Length of each recurring occurrence: 7200, 90m, 2h, 1d.")
    ] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone of the rule.")] = "UTC",
) -> None:
    """Add a one-off (--start/--end) or recurring (--rrule or --cron, --duration) window."""
    from upwatch.domain.maintenance import parse_window
    from upwatch.engine.embedded import utc_now
    from upwatch.services import maintenance

    settings = _settings()
    document: dict[str, object] = {
        "name": name,
        "monitor_ids": monitor or [],
        "tags": tag or [],
        "timezone": timezone,
    }
    given = {"starts_at": start, "ends_at": end, "rrule": rrule, "cron": cron}
    document.update({field: value for field, value in given.items() if value is not None})
    if duration is not None:
        document["duration"] = _seconds(duration)
    now = utc_now()
    try:
        spec = parse_window(document, now=now)
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))

    async def add(session: AsyncSession) -> int:
        return (await maintenance.create_window(session=session, spec=spec, now=now)).id

    window_id = _with_session(settings, add, migrate=settings.is_sqlite)
    typer.echo(f"added maintenance window {window_id}")


@maintenance_app.command("list")
def maintenance_list() -> None:
    """Every window: schedule, scope, whether it is in force now and when it next starts."""
    from upwatch.domain.maintenance import is_active, next_occurrence
    from upwatch.engine.embedded import utc_now
    from upwatch.services import maintenance

    settings = _settings()

    async def lines(session: AsyncSession) -> list[str]:
        now = utc_now()
        found = []
        for row in await maintenance.list_windows(session=session):
            spec = maintenance.window_spec(row)
            if spec.recurring:
                rule = f"rrule {spec.rrule}" if spec.rrule else f"cron {spec.cron}"
                schedule = f"{rule} for {spec.duration}s ({spec.timezone})"
            else:
                schedule = f"{row.starts_at.isoformat()} to {row.ends_at}"
            scope = ", ".join(
                [f"monitor {i}" for i in spec.monitor_ids] + [f"tag {t}" for t in spec.tags]
            )
            upcoming = next_occurrence(spec, now)
            state = (
                "ACTIVE"
                if is_active(spec, now)
                else "next " + (upcoming.start.isoformat() if upcoming else "never")
            )
            found.append(f"{row.id}\t{spec.name}\t{schedule}\t{scope}\t{state}")
        return found

    for line in _with_session(settings, lines, migrate=settings.is_sqlite):
        typer.echo(line)


@maintenance_app.command("delete")
def maintenance_delete(window_id: Annotated[int, typer.Argument(help="The window's id.")]) -> None:
    """Delete a maintenance window."""
    from upwatch.services import maintenance

    settings = _settings()

    async def delete(session: AsyncSession) -> None:
        await maintenance.delete_window(session=session, window_id=window_id)

    _with_session(settings, delete, migrate=settings.is_sqlite)
    typer.echo(f"deleted maintenance window {window_id}")


report_app = typer.Typer(help="Reports.", no_args_is_help=True)
app.add_typer(report_app, name="report")


def _run_job(work: Coroutine[object, object, T]) -> T:
    try:
        return asyncio.run(work)
    except ProgrammingError as exc:
        # A table or column it does not have: a database no `db upgrade` has prepared yet.
        _fail(f"the database lacks upwatch's schema: run `upwatch db upgrade` first ({exc.orig})")
    except (SQLAlchemyError, OSError) as exc:
        _fail(f"database unreachable or refused the request: {exc}")


@app.command()
def rollup() -> None:
    """Bring the hourly and daily rollups up to date (also runs every minute in serve and on
    the leading scheduler)."""
    from upwatch.engine.embedded import utc_now
    from upwatch.engine.maintenance import rollup_now

    run = _run_job(rollup_now(_settings(), utc_now()))
    if run.skipped:
        typer.echo("another rollup is running; nothing done")
        return
    typer.echo(f"rolled up {run.hours} hours, {run.days} days, {run.late_hours} late hours")


@app.command()
def prune() -> None:
    """Delete raw results, pings and sent deliveries past UPWATCH_RAW_RETENTION_DAYS and hourly
    rollups past a year; on PostgreSQL drop whole day partitions and create the next ones."""
    from upwatch.engine.embedded import utc_now
    from upwatch.engine.maintenance import prune_now

    run = _run_job(prune_now(_settings(), utc_now()))
    if run.skipped:
        typer.echo("another prune is running; nothing done")
        return
    cutoff = run.cutoff.isoformat() if run.cutoff else "nothing rolled up yet"
    typer.echo(
        f"pruned raw results before {cutoff}: {run.results_deleted} rows deleted, "
        f"{len(run.partitions_dropped)} partitions dropped, "
        f"{len(run.partitions_created)} created; {run.pings_deleted} pings, "
        f"{run.deliveries_deleted} deliveries, {run.hourly_rollups_deleted} hourly rollups"
    )


@report_app.command("sla")
def report_sla(
    monitor: Annotated[list[int] | None, typer.Option(help="Monitor id; may repeat.")] = None,
    status_page: Annotated[
        str | None, typer.Option(help="Every monitor on the status page with this slug.")
    ] = None,
    month: Annotated[str | None, typer.Option(help="A UTC month, YYYY-MM.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Start of a range, ISO 8601 with a time zone.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="End of a range, ISO 8601 with a time zone.")
    ] = None,
    format: Annotated[str, typer.Option(help="json or csv.")] = "json",
) -> None:
    """Uptime, downtime, incidents, MTTR and MTBF per monitor, for a month or a range, of the
    monitors named and those on a status page."""
    import json

    from upwatch.engine.embedded import utc_now
    from upwatch.services import sla

    if format not in ("json", "csv"):
        _fail("--format: expected json or csv")
    fields = {name: f"--{name.replace('_', '-')}" for name in sla.API_FIELDS}
    settings = _settings()
    try:
        start, end = sla.report_period(
            month=month,
            since=_aware_time(since, fields["since"]),
            until=_aware_time(until, fields["until"]),
            fields=fields,
        )
    except UpwatchError as exc:
        _fail(str(exc))

    async def report(session: AsyncSession) -> list[sla.SlaReport]:
        monitor_ids = await sla.report_monitors(
            session=session, monitor_ids=monitor or [], status_page=status_page, fields=fields
        )
        return await sla.sla_reports(
            session=session,
            monitor_ids=monitor_ids,
            since=start,
            until=end,
            now=utc_now(),
            fields=fields,
        )

    reports = _with_session(settings, report, migrate=settings.is_sqlite)
    if format == "csv":
        typer.echo(sla.as_csv(reports), nl=False)
    else:
        typer.echo(json.dumps([sla.as_json(r) for r in reports], indent=2))


def _aware_time(text: str | None, option: str) -> datetime | None:
    """An ISO 8601 time with its offset; naive ones are refused by the range check."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        _fail(f"{option}: expected an ISO 8601 time, e.g. 2026-10-01T00:00:00Z")


def main() -> None:
    app()
