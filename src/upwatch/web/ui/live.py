"""/ui/events: status changes as server-sent events, for the pages a browser has open.

Each stream polls one index range (monitors whose status changed lately) every couple of
seconds, so it works the same in ``serve`` and in a fleet where workers change the statuses.
A status change is stamped with its check's scheduled time, and the check's result may commit
up to a probe timeout later; so each poll looks back over ``LOOKBACK`` and sends only what it
has not sent yet.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from fastapi import APIRouter, Request, Response, status
from sse_starlette import EventSourceResponse, ServerSentEvent

from upwatch.services.web_sessions import find_session
from upwatch.web.deps import RuntimeDep
from upwatch.web.runtime import Runtime
from upwatch.web.ui.auth import SESSION_COOKIE
from upwatch.web.ui.queries import StatusChange, recent_changes

POLL_SECONDS = 1.0
# Longer than the longest probe timeout (120 s) plus dispatch and result batching.
LOOKBACK = timedelta(minutes=3)

router = APIRouter(include_in_schema=False)


@router.get("/ui/events")
async def events(request: Request, runtime: RuntimeDep, monitor: int | None = None) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    async with runtime.sessions.begin() as session:
        found = token and await find_session(session=session, token=token, now=runtime.clock())
    if not found or not found.row.verified:
        return Response("sign in first\n", status_code=status.HTTP_401_UNAUTHORIZED)
    return EventSourceResponse(
        _changes(request, runtime, monitor), ping=15, headers={"Cache-Control": "no-store"}
    )


async def _changes(
    request: Request, runtime: Runtime, monitor_id: int | None
) -> AsyncIterator[ServerSentEvent]:
    sent: dict[int, tuple[str, datetime]] = {}
    while not await request.is_disconnected():
        now = runtime.clock()
        async with runtime.sessions() as session:
            changes = await recent_changes(
                session=session, since=now - LOOKBACK, monitor_id=monitor_id
            )
        for change in changes:
            key = (change.status, change.changed_at)
            if sent.get(change.monitor_id) != key:
                sent[change.monitor_id] = key
                yield ServerSentEvent(data=_payload(change), event="status")
        horizon = now - 2 * LOOKBACK
        for monitor in [m for m, (_, at) in sent.items() if at < horizon]:
            del sent[monitor]
        await asyncio.sleep(POLL_SECONDS)


def _payload(change: StatusChange) -> str:
    return json.dumps(
        {
            "id": change.monitor_id,
            "status": change.status,
            "label": change.status.replace("_", " "),
            "changed_at": change.changed_at.isoformat(),
        }
    )
