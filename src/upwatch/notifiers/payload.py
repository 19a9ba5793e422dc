"""The JSON document machine receivers get (webhooks, SNS); its schema is in docs/webhooks.md."""

from typing import Any

from upwatch.domain.notifications import GroupedNotification, Message
from upwatch.notifiers.render import render

PAYLOAD_VERSION = 1


def payload(message: Message) -> dict[str, Any]:
    """``message`` as JSON-ready data, with the rendered title and text for simple receivers."""
    rendered = render(message)
    kind = "group" if isinstance(message, GroupedNotification) else "notification"
    return {
        "version": PAYLOAD_VERSION,
        "type": kind,
        **message.model_dump(mode="json"),
        "title": rendered.title,
        "text": rendered.text,
    }
