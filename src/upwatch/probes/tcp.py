"""TCP probe: connect to a checked address, optionally send text and expect text back."""

import asyncio
import os
import socket
import time

from upwatch.domain.monitors import MonitorSpec, TcpMonitor
from upwatch.domain.results import ProbeResult
from upwatch.domain.status import Outcome
from upwatch.domain.targets import TargetPolicy
from upwatch.errors import TargetRefusedError
from upwatch.probes.base import ProbeContext
from upwatch.probes.guard import refused, resolve_checked

REPLY_LIMIT = 65_536
EXCERPT_LIMIT = 200
CLOSE_GRACE_SECONDS = 1.0

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def connect_checked(host: str, port: int, policy: TargetPolicy) -> Stream:
    """Connect to the first reachable address of ``host`` once the policy allows all of them.

    Connecting to the checked address, not the name, leaves no second lookup to rebind.
    """
    last_error: OSError | None = None
    for address in await resolve_checked(host, port, policy):
        try:
            return await asyncio.open_connection(str(address), port)
        except OSError as exc:
            last_error = exc
    raise last_error or OSError(f"{host} has no address")


async def reach_checked(host: str, port: int, policy: TargetPolicy) -> None:
    """Connect to the first reachable allowed address of ``host``, then hang up.

    For checks that only ask whether the port accepts connections: a bare protocol costs a
    fraction of a stream reader and writer.
    """
    loop = asyncio.get_running_loop()
    last_error: OSError | None = None
    for address in await resolve_checked(host, port, policy):
        try:
            transport, _ = await loop.create_connection(asyncio.Protocol, str(address), port)
        except OSError as exc:
            last_error = exc
            continue
        transport.close()
        return
    raise last_error or OSError(f"{host} has no address")


async def close_stream(writer: asyncio.StreamWriter) -> None:
    """Close politely, but never wait long for a peer that does not answer the goodbye."""
    writer.close()
    try:
        async with asyncio.timeout(CLOSE_GRACE_SECONDS):
            await writer.wait_closed()
    except TimeoutError:
        writer.transport.abort()
    except OSError:
        pass


def connect_error(host: str, port: int | None, error: OSError) -> str:
    """A human message for a failed connection attempt, name resolution included."""
    if isinstance(error, socket.gaierror):
        return f"could not resolve {host}: {error.strerror}"
    reason = os.strerror(error.errno).lower() if error.errno else str(error) or repr(error)
    return f"cannot connect to {host}:{port}: {reason}"


class TcpProbe:
    kind = "tcp"

    async def check(self, spec: MonitorSpec, context: ProbeContext) -> ProbeResult:
        if not isinstance(spec, TcpMonitor):
            raise TypeError(f"the tcp probe cannot check a {spec.kind} monitor")
        received = bytearray()
        started = time.perf_counter()
        connected_at: float | None = None
        try:
            async with asyncio.timeout(spec.timeout):
                if spec.send or spec.expect:
                    reader, writer = await connect_checked(spec.host, spec.port, context.policy)
                    connected_at = time.perf_counter()
                    try:
                        found = await _exchange(spec, reader, writer, received)
                    finally:
                        await close_stream(writer)
                else:
                    await reach_checked(spec.host, spec.port, context.policy)
                    connected_at = time.perf_counter()
                    found = True
        except TargetRefusedError as exc:
            return refused(str(exc))
        except TimeoutError:
            phase = _phase(spec, connected_at)
            return _down(f"timed out after {spec.timeout:g} s {phase}", received)
        except OSError as exc:
            if connected_at is None:
                return _down(connect_error(spec.host, spec.port, exc), received)
            return _down(f"connection lost: {exc.strerror or exc}", received)
        latency_ms = (time.perf_counter() - started) * 1000
        details = {"connect_ms": round((connected_at - started) * 1000, 3)}
        if not found:
            return ProbeResult(
                outcome=Outcome.DOWN,
                latency_ms=latency_ms,
                error=f"reply does not contain {spec.expect!r}; got {_excerpt(received)!r}",
                details={**details, "reply_excerpt": _excerpt(received)},
            )
        return ProbeResult(outcome=Outcome.UP, latency_ms=latency_ms, details=details)


async def _exchange(
    spec: TcpMonitor,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    received: bytearray,
) -> bool:
    """Send, then read until the expected text, EOF or the reply limit; True when found."""
    if spec.send:
        writer.write(spec.send.encode())
        await writer.drain()
    if not spec.expect:
        return True
    expected = spec.expect.encode()
    while expected not in received and len(received) < REPLY_LIMIT:
        chunk = await reader.read(4096)
        if not chunk:
            break
        received += chunk
    return expected in received


def _phase(spec: TcpMonitor, connected_at: float | None) -> str:
    if connected_at is None:
        return "connecting"
    return f"waiting for {spec.expect!r}" if spec.expect else "sending"


def _excerpt(received: bytearray) -> str:
    return received[:EXCERPT_LIMIT].decode(errors="replace")


def _down(error: str, received: bytearray) -> ProbeResult:
    details = {"reply_excerpt": _excerpt(received)} if received else {}
    return ProbeResult(outcome=Outcome.DOWN, error=error, details=details)
