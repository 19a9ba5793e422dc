"""The Notifier interface, the channel config base and what every sender is handed."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import ClassVar, Protocol, Self, TypeVar

from aiohttp import ClientSession, DummyCookieJar, TCPConnector
from pydantic import BaseModel, ConfigDict

from upwatch import __version__
from upwatch.domain.notifications import Delivery, Message
from upwatch.domain.targets import TargetPolicy
from upwatch.probes.guard import GuardedResolver

USER_AGENT = f"Upwatch/{__version__} (notifications)"
# A request that took too long, came too early or too often: the same one may work later.
_RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


class ChannelBase(BaseModel):
    """A channel's configuration; each kind subclasses it with ``kind: Literal[...]``.

    ``secret_fields`` are encrypted at rest and redacted in API output.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    secret_fields: ClassVar[tuple[str, ...]] = ()


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SmtpOptions:
    """The SMTP server e-mail channels send through: ``use_tls`` speaks TLS from the first byte
    (port 465), ``starttls`` upgrades a plain connection (port 587)."""

    host: str = "localhost"
    port: int = 25
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    starttls: bool = False
    use_tls: bool = False
    from_address: str = "upwatch@localhost"


@dataclass(slots=True)
class NotifyContext:
    """What a notifier may use besides its channel's configuration.

    ``target_policy`` guards webhook addresses like monitor targets (metadata endpoints are never
    contacted); ``sns_endpoint_url`` points boto3 at another SNS (moto in tests). Use one context
    per event loop and close it with ``aclose()`` (or ``async with``).
    """

    smtp: SmtpOptions = field(default_factory=SmtpOptions)
    timeout_seconds: float = 10.0
    now: Callable[[], datetime] = _utc_now
    target_policy: TargetPolicy = field(default_factory=TargetPolicy)
    sns_endpoint_url: str | None = None
    _http_session: ClientSession | None = field(default=None, init=False, repr=False)

    def http_session(self) -> ClientSession:
        """The context's one HTTP session, created on first use inside the running loop."""
        if self._http_session is None or self._http_session.closed:
            connector = TCPConnector(resolver=GuardedResolver(self.target_policy))
            self._http_session = ClientSession(
                connector=connector,
                cookie_jar=DummyCookieJar(),
                headers={"User-Agent": USER_AGENT},
            )
        return self._http_session

    async def aclose(self) -> None:
        if self._http_session is not None:
            await self._http_session.close()
            self._http_session = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


ChannelT_contra = TypeVar("ChannelT_contra", bound=ChannelBase, contravariant=True)


class Notifier(Protocol[ChannelT_contra]):
    """Sends one message to one channel. Never raises for the receiver's failures: it returns a
    ``Delivery`` saying what happened and whether retrying could help."""

    kind: str

    async def send(
        self, channel: ChannelT_contra, message: Message, context: NotifyContext
    ) -> Delivery: ...


class Stopwatch:
    """Milliseconds since creation, on the monotonic clock (durations, not moments)."""

    __slots__ = ("_started",)

    def __init__(self) -> None:
        self._started = time.perf_counter()

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self._started) * 1000, 3)


def permanent_http_failure(status: int) -> bool:
    """Whether an HTTP error answer means that sending the same request again cannot help."""
    return 400 <= status < 500 and status not in _RETRYABLE_CLIENT_ERRORS
