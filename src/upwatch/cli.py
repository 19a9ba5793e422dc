"""The ``upwatch`` command line."""

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

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


def _settings() -> Settings:
    try:
        settings = get_settings()
        settings.async_database_url  # noqa: B018 - validates UPWATCH_DATABASE_URL now
    except (ValidationError, ValueError) as exc:
        _fail(f"invalid settings: {exc}")
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    return settings


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _with_session(
    settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], *, migrate: bool
) -> T:
    from upwatch.store.database import create_engine, session_factory
    from upwatch.store.migrate import upgrade_to_head

    async def run() -> T:
        engine = create_engine(settings.async_database_url)
        try:
            if migrate:
                await upgrade_to_head(engine)
            async with session_factory(engine).begin() as session:
                return await work(session)
        finally:
            await engine.dispose()

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

    settings = _with_address(_settings(), host, port)
    _serve_http(create_app(settings), settings)


def _serve_http(app: object, settings: Settings) -> None:
    import uvicorn

    uvicorn.run(
        app,  # type: ignore[arg-type]
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
) -> None:
    """Fleet role: the HTTP API and ping intake; pings are queued on the broker."""
    from upwatch.web.app import create_app

    settings = _with_address(_fleet_settings(), host, port)
    _serve_http(create_app(settings, role="api"), settings)


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
    """Fleet role: a Celery worker running check batches and writing pings."""
    from upwatch.worker.celery_app import create_celery
    from upwatch.worker.tasks import register_tasks

    settings = _fleet_settings()
    celery = create_celery(settings)
    register_tasks(celery, settings)
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
    from upwatch.monitor_files import load_monitor_file
    from upwatch.services import monitors
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


def main() -> None:
    app()
