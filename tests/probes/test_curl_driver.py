"""The libcurl driver: transfers run on its thread, come back to the loop, stop with it."""

import asyncio
from collections.abc import AsyncIterator

import pycurl
import pytest

from upwatch.probes.curl_driver import CurlDriver, DriverClosedError, TransferRefusedError

REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


@pytest.fixture
async def server_url() -> AsyncIterator[str]:
    """Answers at once, or never when the path says so."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        if head.startswith(b"GET /never"):
            await asyncio.sleep(30)
        writer.write(REPLY)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    async with server:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def _options(url: str) -> tuple[tuple[int, object], ...]:
    return ((pycurl.URL, url), (pycurl.NOSIGNAL, 1), (pycurl.WRITEFUNCTION, len))


async def test_many_transfers_finish_and_handles_are_reused(server_url: str) -> None:
    driver = CurlDriver(asyncio.get_running_loop())
    options = _options(f"{server_url}/")

    async def transfer() -> int:
        handle = driver.handle(options)
        await driver.perform(handle)
        status: int = handle.getinfo(pycurl.RESPONSE_CODE)
        driver.release(handle, options)
        return status

    try:
        first = await asyncio.gather(*(transfer() for _ in range(50)))
        second = await asyncio.gather(*(transfer() for _ in range(50)))
    finally:
        driver.close()

    assert first + second == [200] * 100


async def test_closing_fails_transfers_still_running_and_later_ones(server_url: str) -> None:
    driver = CurlDriver(asyncio.get_running_loop())
    running = asyncio.create_task(driver.perform(driver.handle(_options(f"{server_url}/never"))))
    await asyncio.sleep(0.1)

    driver.close()

    with pytest.raises(DriverClosedError):
        await running
    with pytest.raises(DriverClosedError):
        await driver.perform(driver.handle(_options(f"{server_url}/")))


async def test_a_cancelled_transfer_is_taken_out_of_libcurl(server_url: str) -> None:
    driver = CurlDriver(asyncio.get_running_loop())
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await driver.perform(driver.handle(_options(f"{server_url}/never")))
        handle = driver.handle(_options(f"{server_url}/"))
        assert await driver.perform(handle) == (0, "")
    finally:
        driver.close()


async def test_a_transfer_libcurl_refuses_is_an_error_of_upwatch(server_url: str) -> None:
    driver = CurlDriver(asyncio.get_running_loop())
    handle = driver.handle(_options(f"{server_url}/never"))
    try:
        running = asyncio.create_task(driver.perform(handle))
        await asyncio.sleep(0.05)
        with pytest.raises(TransferRefusedError, match="libcurl refused the transfer"):
            await driver.perform(handle)  # already running: libcurl takes a handle once
        running.cancel()
        assert not driver.closed
    finally:
        driver.close()
