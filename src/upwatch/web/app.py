"""The FastAPI application, for ``upwatch serve`` (with the embedded engine) and ``upwatch api``."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from upwatch import __version__
from upwatch.engine.embedded import EmbeddedEngine, utc_now
from upwatch.services.ping_tokens import PingTokenCache
from upwatch.settings import Settings
from upwatch.store.database import create_engine, session_factory
from upwatch.store.migrate import upgrade_to_head
from upwatch.web import errors, ops, ping
from upwatch.web.api import incidents, monitors
from upwatch.web.limits import BodySizeLimit
from upwatch.web.runtime import Runtime

DESCRIPTION = """Uptime and heartbeat monitoring.

Authenticate with `Authorization: Bearer <token>`; create tokens with `upwatch token create`.
Invalid input answers 422 with one entry per field: `{"error", "detail": [{"field", "message"}]}`.
"""


def create_app(
    settings: Settings,
    *,
    run_engine: bool = True,
    migrate: bool = True,
    clock: Callable[[], datetime] = utc_now,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = create_engine(settings.async_database_url)
        if migrate:
            await upgrade_to_head(database)
        sessions = session_factory(database)
        engine = (
            EmbeddedEngine(settings=settings, sessions=sessions, clock=clock)
            if run_engine
            else None
        )
        app.state.runtime = Runtime(
            settings=settings,
            database=database,
            sessions=sessions,
            ping_tokens=PingTokenCache(sessions),
            engine=engine,
            clock=clock,
        )
        if engine:
            await engine.start()
        try:
            yield
        finally:
            if engine:
                await engine.stop()
            await database.dispose()

    app = FastAPI(title="Upwatch", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_body_bytes)
    errors.install(app)
    for module in (ops, ping, monitors, incidents):
        app.include_router(module.router)
    return app
