"""E-mail delivered to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from pydantic import ValidationError

from tests.conftest import Clock
from tests.notifiers.conftest import Mailbox
from tests.notifiers.messages import notification
from upwatch.domain.notifications import EventKind
from upwatch.notifiers.base import NotifyContext, SmtpOptions
from upwatch.notifiers.email import EmailChannel, EmailNotifier


def channel(*to: str, **fields: Any) -> EmailChannel:
    return EmailChannel.model_validate({"kind": "email", "to": list(to)} | fields)


def parsed(raw: bytes | str | None) -> EmailMessage:
    assert isinstance(raw, bytes)
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


async def test_sends_plain_text_and_html(mailbox: Mailbox, smtp_context: NotifyContext) -> None:
    message = notification(EventKind.UP, name="Shop <b>&</b>", downtime_seconds=192)
    target = channel("oncall@example.com", "lead@example.com", subject_prefix="[prod]")

    delivery = await EmailNotifier().send(target, message, smtp_context)

    assert (delivery.ok, delivery.error) == (True, None)
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "alerts@upwatch.test"
    assert envelope.rcpt_tos == ["oncall@example.com", "lead@example.com"]
    email = parsed(envelope.content)
    assert email["Subject"] == "[prod] Shop <b>&</b> is up again"
    assert email["To"] == "oncall@example.com, lead@example.com"
    assert email["X-Upwatch-Idempotency-Key"] == message.idempotency_key
    assert email.get_content_type() == "multipart/alternative"
    plain = email.get_body(("plain",))
    html = email.get_body(("html",))
    assert plain is not None
    assert html is not None
    assert "Downtime: 3 min 12 s" in plain.get_content()
    assert "Shop &lt;b&gt;&amp;&lt;/b&gt; is up again" in html.get_content()
    assert "<b>&</b>" not in html.get_content()


async def test_the_channel_sender_overrides_the_default(
    mailbox: Mailbox, smtp_context: NotifyContext
) -> None:
    target = channel("oncall@example.com", from_address="status@shop.example.com")

    await EmailNotifier().send(target, notification(), smtp_context)

    assert mailbox.envelopes[0].mail_from == "status@shop.example.com"


async def test_same_event_gives_the_same_message_id(
    mailbox: Mailbox, smtp_context: NotifyContext
) -> None:
    for _ in range(2):
        await EmailNotifier().send(channel("oncall@example.com"), notification(), smtp_context)

    first, second = (parsed(e.content)["Message-ID"] for e in mailbox.envelopes)
    assert first == second


@pytest.mark.parametrize(
    ("recipients", "ok", "permanent", "status_code", "error"),
    [
        (["rejected@example.com"], False, True, 550, "every recipient refused"),
        (["busy@example.com"], False, False, 451, "every recipient refused"),
        (["rejected@example.com", "busy@example.com"], False, False, 550, "every recipient"),
        (["rejected@example.com", "oncall@example.com"], True, False, None, "some recipients"),
    ],
)
async def test_refused_recipients(
    mailbox: Mailbox,
    smtp_context: NotifyContext,
    recipients: list[str],
    ok: bool,
    permanent: bool,
    status_code: int | None,
    error: str,
) -> None:
    delivery = await EmailNotifier().send(channel(*recipients), notification(), smtp_context)

    assert (delivery.ok, delivery.permanent, delivery.status_code) == (ok, permanent, status_code)
    assert delivery.error is not None
    assert delivery.error.startswith(error)
    refused = [address for address in recipients if address.startswith(("rejected", "busy"))]
    assert all(address in delivery.error for address in refused)
    assert len(mailbox.envelopes) == (1 if ok else 0)


async def test_unreachable_server_is_transient(clock: Clock) -> None:
    smtp = SmtpOptions(host="127.0.0.1", port=9)
    async with NotifyContext(smtp=smtp, now=clock, timeout_seconds=1) as context:
        delivery = await EmailNotifier().send(channel("a@example.com"), notification(), context)

    assert (delivery.ok, delivery.permanent) == (False, False)
    assert delivery.error is not None
    assert delivery.error.startswith("SMTP server 127.0.0.1:9 unreachable")


@pytest.mark.parametrize(
    ("fields", "location"),
    [
        ({"to": ["not-an-address"]}, ("to", 0)),
        ({"to": ["ok@example.com", "two@@example.com"]}, ("to", 1)),
        ({"to": []}, ("to",)),
        ({"to": ["ok@example.com"], "from_address": "nobody"}, ("from_address",)),
        (
            {"to": ["ok@example.com"], "subject_prefix": "[a]\r\nBcc: x@evil.test"},
            ("subject_prefix",),
        ),
    ],
)
def test_invalid_addresses_name_the_field(
    fields: dict[str, Any], location: tuple[str | int, ...]
) -> None:
    with pytest.raises(ValidationError) as raised:
        EmailChannel.model_validate({"kind": "email"} | fields)

    assert [error["loc"] for error in raised.value.errors()] == [location]
