"""An HTTP client of the dashboard (no browser) for tests on SQLite and PostgreSQL."""

import re
from collections.abc import Mapping

import httpx
from sqlalchemy import func, select

from upwatch.services import accounts
from upwatch.services.accounts import Role
from upwatch.store.tables import Base
from upwatch.web.runtime import Runtime

CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
PASSWORD = "a long test password"


class Dashboard:
    """An HTTPS client of the dashboard that signs in and fills forms like a browser."""

    def __init__(self, client: httpx.AsyncClient, runtime: Runtime) -> None:
        self.client = client
        self.runtime = runtime

    async def csrf(self, path: str = "/login") -> str:
        found = CSRF.search((await self.client.get(path)).text)
        assert found is not None, path
        return found.group(1)

    async def post(
        self, path: str, data: Mapping[str, object], *, form_page: str = "/"
    ) -> httpx.Response:
        return await self.client.post(path, data={"csrf_token": await self.csrf(form_page), **data})

    async def add_user(self, username: str, role: Role) -> None:
        async with self.runtime.sessions.begin() as session:
            await accounts.create_user(
                session=session,
                username=username,
                password=PASSWORD,
                role=role,
                now=self.runtime.clock(),
            )

    async def sign_in(self, username: str) -> httpx.Response:
        return await self.post(
            "/login", {"username": username, "password": PASSWORD}, form_page="/login"
        )

    async def count(self, table: type[Base]) -> int:
        async with self.runtime.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(table)) or 0)
