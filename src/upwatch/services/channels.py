"""Notification channel use cases: stored sealed, shown redacted, edited without re-entering
secrets, deleted everywhere."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.domain.policies import AlertSettings
from upwatch.errors import NotFoundError, ValidationFailedError
from upwatch.notifiers.registry import ChannelConfig, parse_channel
from upwatch.notifiers.secrets import MASK, SecretBox, redact
from upwatch.store.tables import AlertPolicyRow, ChannelRow, MonitorRow


async def create_channel(
    *,
    session: AsyncSession,
    name: str,
    config: ChannelConfig,
    secrets: SecretBox,
    now: datetime,
) -> ChannelRow:
    row = ChannelRow(
        name=name,
        kind=config.kind,
        config=secrets.seal(config),
        healthy=True,
        consecutive_failures=0,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


def changed_config(
    current: ChannelConfig, changes: Mapping[str, Any], *, replace: bool
) -> ChannelConfig:
    """``current`` with ``changes`` applied (``replace``: the other plain fields go back to
    their defaults). A secret field that is missing, empty or still shows its redacted value
    keeps what is stored, so an edit never needs the secrets again. The kind cannot change.
    Raises pydantic's ``ValidationError`` naming the faulty fields."""
    if changes.get("kind", current.kind) != current.kind:
        raise ValidationFailedError(
            [("kind", "a channel's kind cannot change; create a new channel instead")]
        )
    stored = _revealed(current)
    shown = redact(current)
    document = {**({} if replace else stored), **changes, "kind": current.kind}
    for name in current.secret_fields:
        document[name] = _kept(changes.get(name), stored[name], shown[name])
    return parse_channel(document)


async def update_channel(
    *,
    session: AsyncSession,
    channel_id: int,
    name: str,
    config: ChannelConfig,
    secrets: SecretBox,
) -> ChannelRow:
    """Store the new name and config. An edit is usually a fix, so the channel counts as healthy
    again until its next delivery says otherwise."""
    row = await get_channel(session=session, channel_id=channel_id)
    row.name, row.config = name, secrets.seal(config)
    row.healthy, row.consecutive_failures, row.last_error = True, 0, None
    await session.flush()
    return row


def _revealed(config: ChannelConfig) -> dict[str, Any]:
    data = config.model_dump(mode="json")
    for name in config.secret_fields:
        value = getattr(config, name)
        if isinstance(value, SecretStr):
            data[name] = value.get_secret_value()
    return data


def _kept(sent: object, stored: object, shown: object) -> object:
    if sent in (None, "", MASK, shown):
        return stored
    if isinstance(sent, dict) and isinstance(stored, dict):
        return {key: stored.get(key) if value == MASK else value for key, value in sent.items()}
    return sent


async def list_channels(*, session: AsyncSession) -> Sequence[ChannelRow]:
    return (await session.scalars(select(ChannelRow).order_by(ChannelRow.id))).all()


async def get_channel(*, session: AsyncSession, channel_id: int) -> ChannelRow:
    row = await session.get(ChannelRow, channel_id)
    if row is None:
        raise NotFoundError(f"channel {channel_id} does not exist")
    return row


async def delete_channel(*, session: AsyncSession, channel_id: int, now: datetime) -> None:
    """Delete the channel and take it out of every monitor and alert policy that names it; a
    monitor changed so moves its ``updated_at``, which cached specs are kept by."""
    row = await get_channel(session=session, channel_id=channel_id)
    # JSON lists compare differently on SQLite and PostgreSQL; channels are deleted rarely.
    for monitor in await session.scalars(select(MonitorRow)):
        alert_settings = monitor.alert_settings and _without_channel(
            monitor.alert_settings, channel_id
        )
        if channel_id in monitor.channel_ids or alert_settings != monitor.alert_settings:
            monitor.channel_ids = [c for c in monitor.channel_ids if c != channel_id]
            monitor.alert_settings = alert_settings
            monitor.updated_at = now
    for policy in await session.scalars(select(AlertPolicyRow)):
        policy.channel_ids = [c for c in policy.channel_ids if c != channel_id]
        policy.settings = _without_channel(policy.settings, channel_id)
    await session.delete(row)


def _without_channel(settings: dict[str, Any], channel_id: int) -> dict[str, Any]:
    """Alert settings whose escalation steps no longer name the channel (empty steps go)."""
    steps = settings.get("escalation")
    if not steps:
        return settings
    kept = [
        {**step, "channels": [c for c in step["channels"] if c != channel_id]} for step in steps
    ]
    return {**settings, "escalation": [step for step in kept if step["channels"]]}


async def ensure_channels_exist(
    *,
    session: AsyncSession,
    channel_ids: Sequence[int],
    alerts: AlertSettings | None = None,
    field: str = "channels",
) -> None:
    """Every channel a monitor or a tag policy names must exist; problems name their field."""
    references = [(f"{field}[{index}]", c) for index, c in enumerate(channel_ids)]
    if alerts is not None:
        references += [
            (f"alerts.escalation[{step}].channels[{index}]", c)
            for step, escalation in enumerate(alerts.escalation or ())
            for index, c in enumerate(escalation.channels)
        ]
    if not references:
        return
    wanted = {c for _, c in references}
    known = set(await session.scalars(select(ChannelRow.id).where(ChannelRow.id.in_(wanted))))
    problems = [(f, f"channel {c} does not exist") for f, c in references if c not in known]
    if problems:
        raise ValidationFailedError(problems)
