"""Any service Apprise knows (Slack, Discord, Teams, Telegram, PagerDuty, ntfy, …) by its URL."""

import re
from typing import ClassVar, Literal
from urllib.parse import urlsplit

import apprise
from pydantic import SecretStr, field_validator

from upwatch.domain.notifications import Delivery, EventKind, Message
from upwatch.errors import TargetRefusedError
from upwatch.notifiers.base import (
    ChannelBase,
    NotifyContext,
    Stopwatch,
    permanent_http_failure,
)
from upwatch.notifiers.render import render
from upwatch.probes.guard import resolve_checked

_NOTIFY_TYPES: dict[EventKind, apprise.NotifyType] = {
    EventKind.DOWN: apprise.NotifyType.FAILURE,
    EventKind.UP: apprise.NotifyType.SUCCESS,
    EventKind.DEGRADED: apprise.NotifyType.WARNING,
    EventKind.CERTIFICATE_EXPIRING: apprise.NotifyType.WARNING,
    EventKind.HEARTBEAT_LATE: apprise.NotifyType.FAILURE,
    EventKind.FLAPPING: apprise.NotifyType.WARNING,
    EventKind.TEST: apprise.NotifyType.INFO,
}
# Apprise's HTTP plugins log a refused request as "... error=404."
_HTTP_STATUS_IN_LOG = re.compile(r"error=(\d{3})\b")
# Apprise's schemes that post to any host the user names, rather than to one service's API.
GENERIC_HTTP_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _asset() -> apprise.AppriseAsset:
    # Memory only: the container's root filesystem is read-only.
    return apprise.AppriseAsset(
        app_id="Upwatch",
        app_desc="Upwatch uptime monitor",
        storage_mode=apprise.PersistentStoreMode.MEMORY,
    )


class AppriseChannel(ChannelBase):
    kind: Literal["apprise"]
    url: SecretStr

    # Apprise URLs carry their service's tokens, so the whole URL is a secret.
    secret_fields: ClassVar[tuple[str, ...]] = ("url",)

    @field_validator("url")
    @classmethod
    def _apprise_accepts(cls, url: SecretStr) -> SecretStr:
        value = url.get_secret_value().strip()
        scheme = _SCHEME.match(value)
        if scheme is None:
            raise ValueError("not an Apprise URL: expected scheme://…, e.g. slack://…")
        checker = apprise.Apprise(asset=_asset())
        if not checker.add(value):
            raise ValueError(
                f"Apprise cannot use this {scheme.group(1)}:// URL: unknown scheme or missing parts"
            )
        if len(checker) != 1:
            raise ValueError("give exactly one Apprise URL")
        return SecretStr(value)


class AppriseNotifier:
    kind = "apprise"

    async def send(
        self, channel: AppriseChannel, message: Message, context: NotifyContext
    ) -> Delivery:
        rendered = render(message)
        stopwatch = Stopwatch()
        url = channel.url.get_secret_value()
        refusal = await _refused_host(url, context)
        if refusal:
            error = f"target refused: {refusal}"
            return Delivery.failed(error, permanent=True, duration_ms=stopwatch.elapsed_ms())
        sender = apprise.Apprise(asset=_asset())
        if not sender.add(url):
            error = "Apprise no longer accepts this URL"
            return Delivery.failed(error, permanent=True, duration_ms=stopwatch.elapsed_ms())
        result = await sender.async_notify(
            body=rendered.text,
            title=rendered.title,
            notify_type=_NOTIFY_TYPES[message.event],
            body_format=apprise.NotifyFormat.TEXT,
            timeout=context.timeout_seconds,
        )
        duration_ms = stopwatch.elapsed_ms()
        if result:
            return Delivery.delivered(duration_ms=duration_ms)
        if result.status == apprise.AppriseResultStatus.TIMEOUT:
            error = f"no answer within {context.timeout_seconds:g} s"
            return Delivery.failed(error, permanent=False, duration_ms=duration_ms)
        log = " ".join(entry.message for entry in result.logs())
        found = _HTTP_STATUS_IN_LOG.search(log)
        status_code = int(found.group(1)) if found else None
        permanent = status_code is not None and permanent_http_failure(status_code)
        return Delivery.failed(
            log or f"Apprise reported {result.status.name.lower()}",
            permanent=permanent,
            status_code=status_code,
            duration_ms=duration_ms,
        )


async def _refused_host(url: str, context: NotifyContext) -> str | None:
    """Why the generic HTTP schemes (json://, form://, xml://) must not reach this URL's host.

    Apprise connects by itself, so this is checked once beforehand: it keeps out the metadata
    endpoints and (when disallowed) private ranges, but not a name that rebinds in between.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in GENERIC_HTTP_SCHEMES or not parts.hostname:
        return None
    try:
        await resolve_checked(parts.hostname, 0, context.target_policy)
    except TargetRefusedError as exc:
        return str(exc)
    except OSError:
        return None  # unresolvable: Apprise reports the failure
    return None
