"""Ping intake ahead of FastAPI: heartbeats are most of the requests Upwatch gets, and
FastAPI's routing, dependency solving and the middleware around them cost several times what
accepting a ping does."""

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from upwatch.domain.status import PingKind
from upwatch.services.pings import PING_BODY_LIMIT
from upwatch.web.ping import PING_METHODS, PingAnswer, PingRequest, accept
from upwatch.web.runtime import Runtime

PREFIX = "/ping/"
_METHODS = frozenset(PING_METHODS)
_KINDS = {"start": PingKind.START, "fail": PingKind.FAIL}
_PLAIN_TEXT = (b"content-type", b"text/plain; charset=utf-8")


def parse_ping_path(path: str) -> tuple[str, PingKind | int] | None:
    """The token and what the URL reports, for the URLs the ping routes match; ``None`` for any
    other path (left to FastAPI, which answers it as it would without this handler)."""
    if not path.startswith(PREFIX):
        return None
    token, slash, rest = path[len(PREFIX) :].partition("/")
    if not token:
        return None
    if not slash:
        return token, PingKind.SUCCESS
    if rest in _KINDS:
        return token, _KINDS[rest]
    # As Starlette's int convertor: ASCII digits only.
    if rest.isascii() and rest.isdigit():
        return token, int(rest)
    return None


class PingIntake:
    """Answers the ping URLs itself with ``web.ping.accept``; everything else, and any ping
    whose body is chunked or over the server's request limit, goes on to ``app`` unchanged
    (so the body size limit and its 413 stay in one place)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self._app = app
        self._max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(PREFIX)
            or scope["method"] not in _METHODS
            or scope.get("root_path")
        ):
            await self._app(scope, receive, send)
            return
        target = parse_ping_path(scope["path"])
        body_length, user_agent = _headers(scope["headers"])
        if target is None or body_length is None or body_length > self._max_body_bytes:
            await self._app(scope, receive, send)
            return
        token, reported = target
        client = scope.get("client")

        async def read_body() -> bytes:
            return await _read_capped(receive) if body_length else b""

        runtime: Runtime = scope["app"].state.runtime
        try:
            answer = await accept(
                runtime,
                token=token,
                reported=reported,
                request=PingRequest(
                    method=scope["method"],
                    remote_addr=client[0] if client else None,
                    user_agent=user_agent,
                    read_body=read_body,
                ),
            )
        except ClientDisconnect:
            return  # nobody to answer, and the ping was not queued
        await _send(send, answer)


def _headers(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, str | None]:
    """The body's declared length (0 without a body; ``None`` when chunked or unreadable) and
    the user agent."""
    length: int | None = 0
    user_agent = None
    for name, value in headers:
        if name == b"content-length":
            length = int(value) if value.isdigit() else None
        elif name == b"transfer-encoding":
            return None, None
        elif name == b"user-agent" and user_agent is None:
            user_agent = value.decode("latin-1")
    return length, user_agent


async def _read_capped(receive: Receive) -> bytes:
    """Read at most one chunk past the limit: enough to know the body was cut."""
    body = bytearray()
    more = True
    while more and len(body) <= PING_BODY_LIMIT:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    return bytes(body)


async def _send(send: Send, answer: PingAnswer) -> None:
    body = answer.text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": answer.status,
            "headers": [_PLAIN_TEXT, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
