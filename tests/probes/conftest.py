"""Real local targets for the probes: HTTP(S), TCP and DNS servers on 127.0.0.1."""

import asyncio
import base64
import gzip
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
import trustme
from aiohttp import web

from upwatch.probes.base import ProbeContext

BASIC_USER, BASIC_PASSWORD = "ann", "s3cret"
BEARER_TOKEN = "t0ken"
TCP_GREETING = b"220 upwatch test ready\r\n"
TEXT_BODY = "hello from the upwatch test target"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def context() -> AsyncIterator[ProbeContext]:
    async with ProbeContext() as probe_context:
        yield probe_context


async def _status(request: web.Request) -> web.Response:
    code = int(request.match_info["code"])
    return web.Response(status=code, text=f"status {code}")


async def _json(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "count": 3, "items": ["a", "b"], "healthy": True})


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(int(request.query["ms"]) / 1000)
    return web.Response(text="finally")


async def _redirect(request: web.Request) -> web.Response:
    status = int(request.query.get("status", "302"))
    return web.Response(status=status, headers={"Location": request.query["to"]})


async def _chain(request: web.Request) -> web.Response:
    left = int(request.match_info["left"])
    location = f"/chain/{left - 1}" if left > 0 else "/text"
    return web.Response(status=302, headers={"Location": location})


async def _post_redirect_get(request: web.Request) -> web.Response:
    if request.method == "POST":
        return web.Response(status=303, headers={"Location": "/form"})
    return web.Response(text="thank you")


async def _echo(request: web.Request) -> web.Response:
    return web.json_response(
        {
            "method": request.method,
            "body": await request.text(),
            "authorization": request.headers.get("Authorization", ""),
            "x_probe": request.headers.get("X-Probe", ""),
        }
    )


async def _basic(request: web.Request) -> web.Response:
    expected = "Basic " + base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()
    ok = request.headers.get("Authorization") == expected
    return web.Response(status=200 if ok else 401, text="welcome" if ok else "who are you?")


async def _bearer(request: web.Request) -> web.Response:
    ok = request.headers.get("Authorization") == f"Bearer {BEARER_TOKEN}"
    return web.Response(status=200 if ok else 401)


async def _gzipped_failure(_: web.Request) -> web.Response:
    body = gzip.compress(b"maintenance: back soon")
    return web.Response(status=503, body=body, headers={"Content-Encoding": "gzip"})


def _application() -> web.Application:
    app = web.Application()
    app.router.add_get("/status/{code}", _status)
    app.router.add_get("/text", _fixed(text=TEXT_BODY))
    app.router.add_get("/json", _json)
    app.router.add_get("/not-json", _fixed(text="<html>oops</html>"))
    app.router.add_get("/big", _fixed(text="x" * (1 << 20) + "needle"))
    app.router.add_get("/headers", _fixed(headers={"X-Version": "1.4.2"}))
    app.router.add_get("/slow", _slow)
    app.router.add_get("/chain/{left}", _chain)
    app.router.add_get("/loop/a", _fixed(status=302, headers={"Location": "b"}))
    app.router.add_get("/loop/b", _fixed(status=302, headers={"Location": "a"}))
    app.router.add_route("*", "/echo", _echo)
    app.router.add_route("*", "/form", _post_redirect_get)
    app.router.add_route("*", "/redirect", _redirect)
    app.router.add_get("/auth/basic", _basic)
    app.router.add_get("/auth/bearer", _bearer)
    app.router.add_get("/gzipped-failure", _gzipped_failure)
    return app


def _fixed(*, status: int = 200, text: str = "", headers: dict[str, str] | None = None) -> Handler:
    async def respond(_: web.Request) -> web.Response:
        return web.Response(status=status, text=text, headers=headers)

    return respond


async def _serve(ssl_context: ssl.SSLContext | None = None) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(_application(), handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port: int = runner.addresses[0][1]
    return runner, port


@pytest.fixture
async def http_url() -> AsyncIterator[str]:
    """Base URL of the plain HTTP target, without trailing slash."""
    runner, port = await _serve()
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@dataclass(frozen=True)
class HttpsTarget:
    url: str
    port: int
    ca: trustme.CA
    ca_file: Path
    """The test CA's certificate (PEM): the trust store that makes the target trusted."""
    not_after: datetime


@pytest.fixture(scope="session")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(certificate_authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trust") / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
async def https_target(
    certificate_authority: trustme.CA, ca_file: Path
) -> AsyncIterator[HttpsTarget]:
    """The same routes over TLS, with a certificate for localhost and 127.0.0.1 from a test CA."""
    not_after = datetime.now(UTC).replace(microsecond=0) + timedelta(days=90)
    certificate = certificate_authority.issue_cert("localhost", "127.0.0.1", not_after=not_after)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(server_context)
    runner, port = await _serve(server_context)
    url = f"https://127.0.0.1:{port}"
    yield HttpsTarget(url, port, certificate_authority, ca_file, not_after)
    await runner.cleanup()


async def _greet_and_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(TCP_GREETING)
    while line := await reader.readline():
        if line == b"PING\r\n":
            writer.write(b"PONG\r\n")
        elif line == b"BYE\r\n":
            writer.write(b"221 bye\r\n")
            break
    writer.close()


@pytest.fixture
async def tcp_port() -> AsyncIterator[int]:
    """A server that greets, answers PING with PONG, leaves on BYE, else listens on."""
    server = await asyncio.start_server(_greet_and_answer, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        port: int = probe_socket.getsockname()[1]
    return port


# --- DNS -------------------------------------------------------------------------------------

ZONE: dict[tuple[str, str], list[str]] = {
    ("www.example.test.", "A"): ["192.0.2.10", "192.0.2.11"],
    ("www.example.test.", "AAAA"): ["2001:db8::10"],
    ("alias.example.test.", "CNAME"): ["www.example.test."],
    ("example.test.", "MX"): ["10 mail.example.test.", "20 backup.example.test."],
    ("example.test.", "TXT"): ['"v=spf1 -all"', '"part one " "part two"'],
    ("example.test.", "NS"): ["ns1.example.test.", "ns2.example.test."],
}
KNOWN_NAMES = {name for name, _ in ZONE} | {"servfail.example.test.", "silent.example.test."}


class _Responder(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        query = dns.message.from_wire(data)
        question = query.question[0]
        name = question.name.to_text().lower()
        if name == "silent.example.test.":
            return
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if name not in KNOWN_NAMES:
            response.set_rcode(dns.rcode.NXDOMAIN)
        elif name == "servfail.example.test.":
            response.set_rcode(dns.rcode.SERVFAIL)
        else:
            record_type = dns.rdatatype.to_text(question.rdtype)
            values = ZONE.get((name, record_type), [])
            if values:
                response.answer.append(
                    dns.rrset.from_text(question.name, 300, "IN", record_type, *values)
                )
        self.transport.sendto(response.to_wire(), addr)


@pytest.fixture
async def dns_server() -> AsyncIterator[str]:
    """``127.0.0.1:PORT`` of an authoritative server for example.test."""
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(_Responder, local_addr=("127.0.0.1", 0))
    yield f"127.0.0.1:{transport.get_extra_info('sockname')[1]}"
    transport.close()
