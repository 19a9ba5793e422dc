"""Heartbeat ping intake: /ping/{token}, /start, /fail and /{exit_code}.

The answer waits only for this ping's own group commit (to the database in ``serve``, to the
broker in the fleet), never for checks or notifications.

``accept`` is the one implementation. ``web.ping_asgi.PingIntake`` calls it ahead of FastAPI
for almost every ping; the routes below document the URLs in OpenAPI and answer what the ASGI
handler leaves to FastAPI (chunked bodies), through the same ``accept``.
"""

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from upwatch.domain.status import PingKind
from upwatch.engine.batching import BacklogFullError, ItemRejectedError
from upwatch.errors import StoreUnavailableError
from upwatch.services.pings import PING_BODY_LIMIT, Ping, new_intake_id, ping_body
from upwatch.web.runtime import Runtime

router = APIRouter(tags=["heartbeats"])
# Tokens are URL-safe base64; anything else is unknown without asking the database.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
PING_METHODS = ["GET", "POST", "HEAD"]
DURABLE_WRITE_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class PingAnswer:
    status: int
    text: str


NOT_FOUND = PingAnswer(404, "not found\n")
BAD_EXIT_CODE = PingAnswer(400, "exit code must be between 0 and 255\n")
NOT_STORED = PingAnswer(503, "could not store the ping, retry\n")
REFUSED = PingAnswer(500, "the database refused this ping; it was not stored\n")
STORED = PingAnswer(200, "OK\n")
STORED_TRUNCATED = PingAnswer(200, "OK (body truncated to 10 KB)\n")


@dataclass(frozen=True, slots=True)
class PingRequest:
    """What the HTTP request says besides its URL; the body is read only for a known token."""

    method: str
    remote_addr: str | None
    user_agent: str | None
    read_body: Callable[[], Awaitable[bytes]]


async def accept(
    runtime: Runtime, *, token: str, reported: PingKind | int, request: PingRequest
) -> PingAnswer:
    """Queue the ping durably, then say so. ``reported`` is the kind the URL names, or the
    job's exit code (0 is success, anything else a failure)."""
    exit_code = None
    if isinstance(reported, int):
        if not 0 <= reported <= 255:
            return BAD_EXIT_CODE
        exit_code = reported
        reported = PingKind.SUCCESS if exit_code == 0 else PingKind.FAIL
    if not TOKEN_SHAPE.fullmatch(token):
        return NOT_FOUND
    try:
        monitor_id = await runtime.ping_tokens.monitor_id(token)
    except StoreUnavailableError:
        # Accept and queue: the worker resolves the token once the database is back.
        monitor_id = None
    else:
        if monitor_id is None:
            return NOT_FOUND
    body, truncated = ping_body(await request.read_body())
    ping = Ping(
        intake_id=new_intake_id(),
        token=token,
        monitor_id=monitor_id,
        received_at=runtime.clock(),
        kind=reported,
        method=request.method,
        exit_code=exit_code,
        body=body,
        body_truncated=truncated,
        remote_addr=request.remote_addr,
        user_agent=(request.user_agent or "")[:300] or None,
    )
    try:
        # asyncio.timeout, not wait_for: wait_for wraps the wait in a task of its own.
        async with asyncio.timeout(DURABLE_WRITE_TIMEOUT):
            await runtime.pings.submit(ping)
    except (TimeoutError, BacklogFullError):
        return NOT_STORED
    except ItemRejectedError:
        return REFUSED
    return STORED_TRUNCATED if truncated else STORED


async def ping_success(token: str, request: Request) -> Response:
    """The job ran and succeeded."""
    return await _answer(token, PingKind.SUCCESS, request)


async def ping_start(token: str, request: Request) -> Response:
    """The job started; the next success or failure records its duration."""
    return await _answer(token, PingKind.START, request)


async def ping_fail(token: str, request: Request) -> Response:
    """The job ran and failed."""
    return await _answer(token, PingKind.FAIL, request)


async def ping_exit_code(token: str, exit_code: int, request: Request) -> Response:
    """The job ended with this exit code: 0 is success, anything else a failure."""
    return await _answer(token, exit_code, request)


for _path, _endpoint in (
    ("/ping/{token}", ping_success),
    ("/ping/{token}/start", ping_start),
    ("/ping/{token}/fail", ping_fail),
    ("/ping/{token}/{exit_code:int}", ping_exit_code),
):
    for _method in PING_METHODS:
        # One route per method keeps OpenAPI operation ids unique.
        router.add_api_route(
            _path,
            _endpoint,
            methods=[_method],
            name=f"{_endpoint.__name__}_{_method.lower()}",
            response_class=PlainTextResponse,
        )


async def _answer(token: str, reported: PingKind | int, request: Request) -> Response:
    # Not RuntimeDep: FastAPI runs a sync dependency in its thread pool, a thread hop (and a
    # wait for a free thread under load) on every ping.
    runtime: Runtime = request.app.state.runtime

    async def read_body() -> bytes:
        return await _read_capped(request)

    answer = await accept(
        runtime,
        token=token,
        reported=reported,
        request=PingRequest(
            method=request.method,
            remote_addr=request.client.host if request.client else None,
            user_agent=request.headers.get("user-agent"),
            read_body=read_body,
        ),
    )
    return PlainTextResponse(answer.text, status_code=answer.status)


async def _read_capped(request: Request) -> bytes:
    """Read at most one byte past the limit: enough to know the body was cut."""
    chunks = bytearray()
    async for chunk in request.stream():
        chunks.extend(chunk)
        if len(chunks) > PING_BODY_LIMIT:
            break
    return bytes(chunks)
