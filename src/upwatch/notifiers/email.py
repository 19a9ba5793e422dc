"""E-mail over SMTP: one multipart/alternative message, plain text and HTML."""

import hashlib
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

import aiosmtplib
from pydantic import EmailStr, Field

from upwatch.domain.notifications import Delivery, Message
from upwatch.notifiers.base import ChannelBase, NotifyContext, Stopwatch
from upwatch.notifiers.render import one_line, render

IDEMPOTENCY_HEADER = "X-Upwatch-Idempotency-Key"


class EmailChannel(ChannelBase):
    kind: Literal["email"]
    to: list[EmailStr] = Field(min_length=1, max_length=50)
    from_address: EmailStr | None = Field(None, description="Default: the SMTP settings' sender.")
    subject_prefix: str = Field("[Upwatch]", max_length=50, pattern=r"^[^\r\n]*$")


class EmailNotifier:
    kind = "email"

    async def send(
        self, channel: EmailChannel, message: Message, context: NotifyContext
    ) -> Delivery:
        smtp = context.smtp
        email = _compose(channel, message, context)
        stopwatch = Stopwatch()
        try:
            refused, _ = await aiosmtplib.send(
                email,
                hostname=smtp.host,
                port=smtp.port,
                username=smtp.username,
                password=smtp.password,
                start_tls=smtp.starttls,
                use_tls=smtp.use_tls,
                timeout=context.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return _refused(exc.recipients, stopwatch.elapsed_ms())
        except aiosmtplib.SMTPResponseException as exc:
            return Delivery.failed(
                f"SMTP {exc.code}: {exc.message}",
                permanent=exc.code >= 500,
                status_code=exc.code,
                duration_ms=stopwatch.elapsed_ms(),
            )
        except aiosmtplib.SMTPTimeoutError:
            error = f"no answer within {context.timeout_seconds:g} s"
            return Delivery.failed(error, permanent=False, duration_ms=stopwatch.elapsed_ms())
        except (aiosmtplib.SMTPException, OSError) as exc:
            error = f"SMTP server {smtp.host}:{smtp.port} unreachable: {exc}"
            return Delivery.failed(error, permanent=False, duration_ms=stopwatch.elapsed_ms())
        duration_ms = stopwatch.elapsed_ms()
        if refused:
            # Some recipients got it: a retry would send them a second copy, so it counts as sent.
            listed = ", ".join(f"{rcpt} ({reply.code})" for rcpt, reply in refused.items())
            error = f"some recipients refused: {listed}"
            return Delivery(
                ok=True, permanent=False, status_code=None, error=error, duration_ms=duration_ms
            )
        return Delivery.delivered(duration_ms=duration_ms)


def _compose(channel: EmailChannel, message: Message, context: NotifyContext) -> EmailMessage:
    rendered = render(message)
    email = EmailMessage()
    email["Subject"] = one_line(f"{channel.subject_prefix} {rendered.title}")
    email["From"] = channel.from_address or context.smtp.from_address
    email["To"] = ", ".join(channel.to)
    email["Date"] = format_datetime(context.now())
    # The same event gives the same Message-ID, so mail clients show a redelivered copy once.
    digest = hashlib.sha256(message.idempotency_key.encode("utf-8")).hexdigest()[:32]
    email["Message-ID"] = f"<{digest}@upwatch>"
    email[IDEMPOTENCY_HEADER] = message.idempotency_key
    email.set_content(rendered.text)
    email.add_alternative(rendered.html, subtype="html")
    return email


def _refused(recipients: list[aiosmtplib.SMTPRecipientRefused], duration_ms: float) -> Delivery:
    codes = [recipient.code for recipient in recipients]
    listed = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in recipients)
    return Delivery.failed(
        f"every recipient refused: {listed}",
        permanent=all(code >= 500 for code in codes),
        status_code=codes[0] if codes else None,
        duration_ms=duration_ms,
    )
