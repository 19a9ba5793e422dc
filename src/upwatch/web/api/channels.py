"""/api/v1/channels: notification channels; /api/v1/deliveries: the delivery log."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from upwatch.domain.notifications import (
    EventKind,
    IncidentRef,
    MonitorRef,
    Notification,
)
from upwatch.engine.notify import notify_context_for
from upwatch.errors import ValidationFailedError
from upwatch.notifiers.registry import parse_channel, send
from upwatch.notifiers.secrets import SecretBox, redact
from upwatch.secret_key import secret_key_for
from upwatch.services import channels, deliveries
from upwatch.store.tables import ChannelRow, DeliveryRow
from upwatch.web.deps import ReadAccess, RuntimeDep, SessionDep, WriteAccess
from upwatch.web.errors import problems
from upwatch.web.runtime import Runtime

router = APIRouter(tags=["notifications"])


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel_id: int
    incident_id: int | None
    event: str
    status: str
    attempts: int
    status_code: int | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime
    grouped_into: int | None = Field(
        description="The delivery whose grouped message carried this one, if any."
    )

    @classmethod
    def of(cls, row: DeliveryRow) -> "DeliveryOut":
        return cls.model_validate(row)


class TestOutcome(BaseModel):
    ok: bool
    permanent: bool = Field(description="A failure that retrying will not fix.")
    status_code: int | None
    error: str | None
    duration_ms: float


def _box(runtime: Runtime) -> SecretBox:
    return SecretBox(secret_key_for(runtime.settings))


def _document(runtime: Runtime, row: ChannelRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        **redact(_box(runtime).open(row.config)),
        "healthy": row.healthy,
        "consecutive_failures": row.consecutive_failures,
        "last_error": row.last_error,
        "created_at": row.created_at,
    }


@router.post("/api/v1/channels", status_code=status.HTTP_201_CREATED, dependencies=[WriteAccess])
async def create_channel(
    body: Annotated[dict[str, Any], Body(description='{"name", "kind", …kind fields}')],
    runtime: RuntimeDep,
    session: SessionDep,
) -> dict[str, Any]:
    """Kinds: apprise {url}, webhook {url, secret, headers}, email {to}, sns {topic_arn, region}.
    Secrets are stored encrypted and never returned."""
    fields = dict(body)
    row = await channels.create_channel(
        session=session,
        name=_name(fields.pop("name", None)),
        config=parse_channel(fields),
        secrets=_box(runtime),
        now=runtime.clock(),
    )
    await session.commit()
    return _document(runtime, row)


@router.get("/api/v1/channels", dependencies=[ReadAccess])
async def list_channels(runtime: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    rows = await channels.list_channels(session=session)
    return {"items": [_document(runtime, row) for row in rows], "total": len(rows)}


@router.get("/api/v1/channels/{channel_id}", dependencies=[ReadAccess])
async def get_channel(channel_id: int, runtime: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    return _document(runtime, await channels.get_channel(session=session, channel_id=channel_id))


ChangesBody = Annotated[dict[str, Any], Body(description='{"name", …kind fields}')]


@router.patch("/api/v1/channels/{channel_id}", dependencies=[WriteAccess])
async def patch_channel(
    channel_id: int, body: ChangesBody, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    """Change the fields given. Secret fields left out, empty or still redacted keep their
    stored value; the kind cannot change."""
    return await _change(channel_id, body, runtime, session, replace=False)


@router.put("/api/v1/channels/{channel_id}", dependencies=[WriteAccess])
async def put_channel(
    channel_id: int, body: ChangesBody, runtime: RuntimeDep, session: SessionDep
) -> dict[str, Any]:
    """Replace the channel: fields left out go back to their defaults, except secrets, which
    are kept unless given anew."""
    return await _change(channel_id, body, runtime, session, replace=True)


async def _change(
    channel_id: int,
    body: dict[str, Any],
    runtime: Runtime,
    session: SessionDep,
    *,
    replace: bool,
) -> dict[str, Any]:
    row = await channels.get_channel(session=session, channel_id=channel_id)
    fields = dict(body)
    found: list[tuple[str, str]] = []
    name = row.name
    if "name" in fields or replace:
        try:
            name = _name(fields.pop("name", None))
        except ValidationFailedError as exc:
            found += exc.problems
    try:
        config = channels.changed_config(_box(runtime).open(row.config), fields, replace=replace)
    except ValidationError as exc:
        found += [(p["field"], p["message"]) for p in problems(exc.errors())]
    except ValidationFailedError as exc:
        found += exc.problems
    if found:
        raise ValidationFailedError(found)
    row = await channels.update_channel(
        session=session, channel_id=channel_id, name=name, config=config, secrets=_box(runtime)
    )
    await session.commit()
    return _document(runtime, row)


def _name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValidationFailedError([("name", "give the channel a name of 1 to 200 characters")])
    return value.strip()


@router.delete(
    "/api/v1/channels/{channel_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[WriteAccess],
)
async def delete_channel(channel_id: int, runtime: RuntimeDep, session: SessionDep) -> Response:
    await channels.delete_channel(session=session, channel_id=channel_id, now=runtime.clock())
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api/v1/channels/{channel_id}/test", dependencies=[WriteAccess])
async def test_channel(channel_id: int, runtime: RuntimeDep, session: SessionDep) -> TestOutcome:
    """Send a test message now and report what the receiver answered."""
    row = await channels.get_channel(session=session, channel_id=channel_id)
    now = runtime.clock()
    message = Notification(
        event=EventKind.TEST,
        monitor=MonitorRef(id=0, name="Upwatch test message", kind="test"),
        incident=IncidentRef(id=0, opened_at=now, cause={}),
        occurred_at=now,
        idempotency_key=f"test-{channel_id}-{now.timestamp()}",
    )
    context = notify_context_for(runtime.settings)
    try:
        outcome = await send(_box(runtime).open(row.config), message, context)
    finally:
        await context.aclose()
    return TestOutcome(
        ok=outcome.ok,
        permanent=outcome.permanent,
        status_code=outcome.status_code,
        error=outcome.error,
        duration_ms=outcome.duration_ms,
    )


@router.get("/api/v1/deliveries", dependencies=[ReadAccess])
async def list_deliveries(
    session: SessionDep,
    incident_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, list[DeliveryOut]]:
    """Every notification sent or being retried, newest first, with attempts and errors."""
    rows = await deliveries.deliveries_of(session=session, incident_id=incident_id, limit=limit)
    return {"items": [DeliveryOut.of(row) for row in rows]}
