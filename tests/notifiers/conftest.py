"""Real local receivers for the notifiers: an HTTP server, an SMTP server and moto's AWS."""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from moto.server import ThreadedMotoServer

from tests.conftest import Clock
from upwatch.notifiers.base import NotifyContext, SmtpOptions

FAST_TIMEOUT = 0.5


@dataclass
class Mailbox:
    """What the SMTP server accepted. Recipients starting with ``rejected`` get a 550, with
    ``busy`` a 451."""

    port: int
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("rejected"):
            return "550 5.1.1 no such mailbox"
        if address.startswith("busy"):
            return "451 4.3.0 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
async def mailbox() -> AsyncIterator[Mailbox]:
    mailbox = Mailbox(port=0)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(mailbox, hostname="mx.test"), "127.0.0.1", 0)
    mailbox.port = server.sockets[0].getsockname()[1]
    yield mailbox
    server.close()
    await server.wait_closed()


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's AWS on 127.0.0.1, with fake credentials so nothing can reach AWS itself."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }.items():
            env.setenv(name, value)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
        server.stop()


@pytest.fixture
async def context(clock: Clock) -> AsyncIterator[NotifyContext]:
    async with NotifyContext(now=clock, timeout_seconds=FAST_TIMEOUT) as notify_context:
        yield notify_context


@pytest.fixture
async def smtp_context(clock: Clock, mailbox: Mailbox) -> AsyncIterator[NotifyContext]:
    smtp = SmtpOptions(host="127.0.0.1", port=mailbox.port, from_address="alerts@upwatch.test")
    async with NotifyContext(smtp=smtp, now=clock, timeout_seconds=2) as notify_context:
        yield notify_context
