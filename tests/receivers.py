"""A real HTTP receiver for notifications: records requests, answers as its path says."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server that records every request; the path decides the answer.

    ``/status/<code>`` answers that code, ``/hang`` never answers, anything else answers 200.
    """

    server: TestServer
    requests: list[Received] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.server.port}{path}"

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(Received(request.method, request.path, dict(request.headers), body))
        if request.path == "/hang":
            await self.release.wait()
        if request.path.startswith("/status/"):
            code = int(request.path.removeprefix("/status/"))
            return web.Response(status=code, text=f"answered {code} on purpose")
        return web.Response(text="thanks")


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    app = web.Application()
    server = TestServer(app, host="127.0.0.1")
    receiver = Receiver(server)
    app.router.add_route("*", "/{tail:.*}", receiver.handle)
    await server.start_server()
    yield receiver
    receiver.release.set()
    await server.close()
