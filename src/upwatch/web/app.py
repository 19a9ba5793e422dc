"""The FastAPI application, for ``upwatch serve`` (with the embedded engine) and ``upwatch api``."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from typing import Any, Literal

from fastapi import Depends, FastAPI

from upwatch import __version__
from upwatch.engine.batching import BatchWriter
from upwatch.engine.broker import BrokerPublisher
from upwatch.engine.embedded import PING_BACKLOG_LIMIT, EmbeddedEngine, utc_now
from upwatch.services.ping_tokens import PingTokenCache
from upwatch.settings import Settings
from upwatch.store.database import create_engine, session_factory
from upwatch.store.migrate import upgrade_to_head
from upwatch.web import errors, ops, ping
from upwatch.web import status as status_site
from upwatch.web import ui as dashboard
from upwatch.web.api import alert_policies, channels, incidents, maintenance, monitors
from upwatch.web.api import reports as reports_api
from upwatch.web.api import status_pages as status_pages_api
from upwatch.web.ids import ids_in_range
from upwatch.web.limits import BodySizeLimit
from upwatch.web.ping_asgi import PingIntake
from upwatch.web.runtime import PingSink, Runtime
from upwatch.worker.celery_app import create_celery

DESCRIPTION = """Uptime and heartbeat monitoring.

Authenticate with `Authorization: Bearer <token>`; create tokens with `upwatch token create`.
Invalid input answers 422 with one entry per field: `{"error", "detail": [{"field", "message"}]}`.
"""
PUBLISH_LINGER_SECONDS = 0.001


def create_app(
    settings: Settings,
    *,
    role: Literal["serve", "api"] = "serve",
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    """``serve`` runs the embedded engine on the app's loop and migrates the database first;
    ``api`` is the fleet's HTTP role: pings go to the broker, migrations are a separate step."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = create_engine(settings.async_database_url)
        sessions = session_factory(database)
        async with AsyncExitStack() as stack:
            stack.push_async_callback(database.dispose)
            engine: EmbeddedEngine | None = None
            celery = None
            if role == "serve":
                await upgrade_to_head(database)
                engine = EmbeddedEngine(settings=settings, sessions=sessions, clock=clock)
                await engine.start()
                stack.push_async_callback(engine.stop)
                pings: PingSink = engine.pings
            else:
                celery = create_celery(settings)
                # Bounded like serve's: while the broker is away, intake answers 503 past it.
                # A short linger: each sender waits for it, so under a fixed number of clients
                # it bounds the rate (64 at 5 ms answered ~4,400 pings/s; at 1 ms ~5,800), and
                # pings arriving during a publish join the next message anyway.
                publisher = BatchWriter(
                    BrokerPublisher(celery).publish_pings,
                    name="ping-publisher",
                    max_delay=PUBLISH_LINGER_SECONDS,
                    max_backlog=PING_BACKLOG_LIMIT,
                )
                flushing = asyncio.create_task(publisher.run(), name="ping-publisher")
                stack.push_async_callback(_drain, publisher, flushing)
                pings = publisher
            app.state.runtime = Runtime(
                settings=settings,
                database=database,
                sessions=sessions,
                ping_tokens=PingTokenCache(sessions),
                pings=pings,
                engine=engine,
                celery=celery,
                clock=clock,
            )
            yield

    app = FastAPI(
        title="Upwatch",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        # Upwatch configures no OpenTelemetry; left on, FastAPI asks for it on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        dependencies=[Depends(ids_in_range)],
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    errors.install(app)
    for module in (ops, ping, monitors, incidents, channels, alert_policies, maintenance):
        app.include_router(module.router)
    app.include_router(status_pages_api.router)
    app.include_router(reports_api.router)
    status_site.install(app, settings)
    dashboard.install(app)
    # Added last, so outermost: pings skip the other middleware and FastAPI's routing.
    app.add_middleware(PingIntake, max_body_bytes=settings.max_request_body_bytes)
    return app


async def _drain(publisher: BatchWriter[Any], flushing: asyncio.Task[None]) -> None:
    """Publish the pings already accepted before the process exits."""
    await publisher.close()
    try:
        await asyncio.wait_for(flushing, timeout=20)
    except TimeoutError:
        flushing.cancel()
