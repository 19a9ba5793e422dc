"""The notifier and config model of each channel kind. Adding a kind: its module, plus two entries
here (the ``ChannelConfig`` union and ``_NOTIFIERS``)."""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, get_args

from pydantic import Field, TypeAdapter

from upwatch.domain.notifications import Delivery, Message
from upwatch.notifiers.apprise import AppriseChannel, AppriseNotifier
from upwatch.notifiers.base import ChannelBase, Notifier, NotifyContext
from upwatch.notifiers.email import EmailChannel, EmailNotifier
from upwatch.notifiers.sns import SnsChannel, SnsNotifier
from upwatch.notifiers.webhook import WebhookChannel, WebhookNotifier

ChannelConfig = Annotated[
    AppriseChannel | WebhookChannel | EmailChannel | SnsChannel, Field(discriminator="kind")
]

_NOTIFIERS: tuple[Notifier[Any], ...] = (
    AppriseNotifier(),
    WebhookNotifier(),
    EmailNotifier(),
    SnsNotifier(),
)

NOTIFIERS: Mapping[str, Notifier[Any]] = MappingProxyType({n.kind: n for n in _NOTIFIERS})

CHANNEL_MODELS: Mapping[str, type[ChannelBase]] = MappingProxyType(
    {
        get_args(model.model_fields["kind"].annotation)[0]: model
        for model in get_args(get_args(ChannelConfig)[0])
    }
)

_CHANNEL_CONFIG: TypeAdapter[ChannelConfig] = TypeAdapter(ChannelConfig)


def parse_channel(data: object) -> ChannelConfig:
    """A channel config from API or stored data; ``ValidationError`` names the faulty field."""
    return _CHANNEL_CONFIG.validate_python(data)


def notifier_for(kind: str) -> Notifier[Any]:
    try:
        return NOTIFIERS[kind]
    except KeyError:
        raise KeyError(f"no notifier sends to {kind!r} channels") from None


async def send(channel: ChannelConfig, message: Message, context: NotifyContext) -> Delivery:
    """Send ``message`` through the notifier of ``channel``'s kind."""
    return await notifier_for(channel.kind).send(channel, message, context)
