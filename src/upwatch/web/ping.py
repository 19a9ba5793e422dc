"""Heartbeat ping intake: /ping/{token}, /start, /fail and /{exit_code}.

The answer waits only for this ping's own group commit (to the database in ``serve``, to the
broker in the fleet), never for checks or notifications.
"""

import asyncio
import re

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import PlainTextResponse

from upwatch.domain.status import PingKind
from upwatch.errors import StoreUnavailableError
from upwatch.services.pings import PING_BODY_LIMIT, Ping, new_intake_id, ping_body
from upwatch.web.runtime import Runtime

router = APIRouter(tags=["heartbeats"])
# Tokens are URL-safe base64; anything else is unknown without asking the database.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
PING_METHODS = ["GET", "POST", "HEAD"]
DURABLE_WRITE_TIMEOUT = 10.0


async def ping_success(token: str, request: Request) -> Response:
    """The job ran and succeeded."""
    return await _accept(token, PingKind.SUCCESS, None, request)


async def ping_start(token: str, request: Request) -> Response:
    """The job started; the next success or failure records its duration."""
    return await _accept(token, PingKind.START, None, request)


async def ping_fail(token: str, request: Request) -> Response:
    """The job ran and failed."""
    return await _accept(token, PingKind.FAIL, None, request)


async def ping_exit_code(token: str, exit_code: int, request: Request) -> Response:
    """The job ended with this exit code: 0 is success, anything else a failure."""
    if not 0 <= exit_code <= 255:
        return PlainTextResponse("exit code must be between 0 and 255\n", status_code=400)
    kind = PingKind.SUCCESS if exit_code == 0 else PingKind.FAIL
    return await _accept(token, kind, exit_code, request)


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


async def _accept(token: str, kind: PingKind, exit_code: int | None, request: Request) -> Response:
    # Not RuntimeDep: FastAPI runs a sync dependency in its thread pool, a thread hop (and a
    # wait for a free thread under load) on every ping.
    runtime: Runtime = request.app.state.runtime
    if not TOKEN_SHAPE.fullmatch(token):
        return PlainTextResponse("not found\n", status_code=status.HTTP_404_NOT_FOUND)
    try:
        monitor_id = await runtime.ping_tokens.monitor_id(token)
    except StoreUnavailableError:
        # Accept and queue: the worker resolves the token once the database is back.
        monitor_id = None
    else:
        if monitor_id is None:
            return PlainTextResponse("not found\n", status_code=status.HTTP_404_NOT_FOUND)
    body, truncated = ping_body(await _read_capped(request))
    ping = Ping(
        intake_id=new_intake_id(),
        token=token,
        monitor_id=monitor_id,
        received_at=runtime.clock(),
        kind=kind,
        method=request.method,
        exit_code=exit_code,
        body=body,
        body_truncated=truncated,
        remote_addr=request.client.host if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:300] or None,
    )
    try:
        # asyncio.timeout, not wait_for: wait_for wraps the wait in a task of its own.
        async with asyncio.timeout(DURABLE_WRITE_TIMEOUT):
            await runtime.pings.submit(ping)
    except TimeoutError:
        return PlainTextResponse("could not store the ping, retry\n", status_code=503)
    message = "OK (body truncated to 10 KB)\n" if truncated else "OK\n"
    return PlainTextResponse(message)


async def _read_capped(request: Request) -> bytes:
    """Read at most one byte past the limit: enough to know the body was cut."""
    chunks = bytearray()
    async for chunk in request.stream():
        chunks.extend(chunk)
        if len(chunks) > PING_BODY_LIMIT:
            break
    return bytes(chunks)
