from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Clock
from tests.web.status.support import Sessions
from upwatch.services.tokens import create_token
from upwatch.settings import Settings
from upwatch.web.app import create_app
from upwatch.web.status.cache import PublicCache


@dataclass
class Site:
    """Upwatch on a clock the test sets, with a client that is no one in particular."""

    app: FastAPI
    client: httpx.AsyncClient
    sessions: Sessions
    clock: Clock

    @property
    def cache(self) -> PublicCache:
        cache: PublicCache = self.app.state.public_cache
        return cache

    async def token(self) -> dict[str, str]:
        async with self.sessions.begin() as session:
            _, token = await create_token(
                session=session, name="t", read_only=False, now=self.clock()
            )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def site(
    database: AsyncEngine, database_url: str, tmp_path: Path, clock: Clock
) -> AsyncIterator[Site]:
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, public_url="https://upwatch.example"
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://upwatch.test") as client:
            yield Site(app, client, app.state.runtime.sessions, clock)
