from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from upwatch.services.tokens import create_token
from upwatch.settings import Settings
from upwatch.web.app import create_app
from upwatch.web.runtime import Runtime


class Api:
    def __init__(self, client: httpx.AsyncClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime

    async def token(self, *, read_only: bool = False) -> dict[str, str]:
        async with self.runtime.sessions.begin() as session:
            _, token = await create_token(
                session=session, name="test", read_only=read_only, now=self.runtime.clock()
            )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {}


@pytest.fixture
async def api(
    database: AsyncEngine,
    database_url: str,
    tmp_path: Path,
    settings_overrides: dict[str, object],
) -> AsyncIterator[Api]:
    settings = Settings(
        database_url=database_url,
        data_dir=tmp_path,
        public_url="https://upwatch.example",
        **settings_overrides,  # type: ignore[arg-type]
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://upwatch.test") as client:
            yield Api(client, app.state.runtime)
