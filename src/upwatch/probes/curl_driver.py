"""One libcurl multi handle per event loop, driven from a thread of its own.

Every event-loop round trip costs Python work; libcurl drives all of a loop's transfers in one C
loop that waits without the GIL. Transfers are handed to the thread through a deque and come back
to the event loop in batches (one wake-up for every transfer that finished together). Easy
handles are kept for reuse: creating one costs more than resetting it.
"""

import asyncio
import contextlib
import threading
from collections import deque

import pycurl
import structlog

# How long the thread waits on its transfers' sockets before it looks for new transfers: the
# longest a transfer submitted while others run waits to start.
POLL_SECONDS = 0.001
SPARE_HANDLES = 1024
log = structlog.get_logger(__name__)
STOPPED = -1
"""The code a transfer finishes with when its driver stops before it does."""
REFUSED = -2
"""The code of a transfer libcurl would not take on."""

Outcome = tuple[int, str]
"""libcurl's result code (0 when the transfer succeeded) and its message."""
Options = tuple[tuple[int, object], ...]
"""libcurl options and their values, as ``setopt`` takes them."""


class DriverClosedError(RuntimeError):
    """A transfer was submitted to, or still running in, a driver that was closed."""


class TransferRefusedError(RuntimeError):
    """libcurl would not take a transfer on: a fault of Upwatch, not of the target."""


class CurlDriver:
    """Runs the transfers of one event loop; ``close()`` from that loop when done."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._multi = pycurl.CurlMulti()
        self._submitted: deque[tuple[pycurl.Curl, asyncio.Future[Outcome]]] = deque()
        self._abandoned: deque[pycurl.Curl] = deque()
        self._wake = threading.Condition()
        self._idle = False
        self._stopping = False
        self._spare: list[tuple[pycurl.Curl, Options]] = []
        self._thread = threading.Thread(target=self._run, name="upwatch-curl", daemon=True)
        self._thread.start()

    def handle(self, options: Options) -> pycurl.Curl:
        """An easy handle set with ``options``, to finish configuring and ``perform``.

        A monitor's checks share one ``options`` object: a handle last used with it is reused
        as it is, since setting a dozen options costs more than the check's own Python.
        """
        if self._spare:
            handle, configured = self._spare.pop()
            if configured is options:
                return handle
            handle.reset()
        else:
            handle = pycurl.Curl()
        for option, value in options:
            handle.setopt(option, value)
        return handle

    def release(self, handle: pycurl.Curl, options: Options) -> None:
        """Give back a handle whose transfer finished and whose results were read."""
        if len(self._spare) < SPARE_HANDLES:
            self._spare.append((handle, options))
        else:
            handle.close()

    async def perform(self, handle: pycurl.Curl) -> Outcome:
        """Run the configured transfer; libcurl's result once it is over.

        Cancelling takes the transfer out of libcurl; the handle must not be released then.
        """
        if self._stopping:
            raise DriverClosedError("the HTTP driver is closed")
        finished: asyncio.Future[Outcome] = self._loop.create_future()
        self._submitted.append((handle, finished))
        if self._idle:
            with self._wake:
                self._wake.notify()
        try:
            code, message = await finished
        except asyncio.CancelledError:
            self._abandoned.append(handle)
            raise
        if code == STOPPED:
            raise DriverClosedError(message)
        if code == REFUSED:
            raise TransferRefusedError(message)
        return code, message

    @property
    def closed(self) -> bool:
        """Closed, or stopped by a failure of its thread: a new driver is needed."""
        return self._stopping

    def close(self) -> None:
        """Stop the thread; transfers still running fail with ``DriverClosedError``."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join()
        for handle, _ in self._spare:
            handle.close()
        self._spare.clear()

    # the driver's thread

    def _run(self) -> None:
        multi = self._multi
        running: dict[pycurl.Curl, asyncio.Future[Outcome]] = {}
        try:
            self._drive(multi, running)
        except BaseException:
            # Nothing would run this loop's transfers any more: fail them, refuse new ones.
            log.exception("the HTTP driver's thread failed")
            self._stopping = True
        self._stop(multi, running)

    def _drive(
        self, multi: pycurl.CurlMulti, running: dict[pycurl.Curl, asyncio.Future[Outcome]]
    ) -> None:
        while True:
            if not running and not self._submitted:
                self._wait_for_work()
            if self._stopping:
                return
            refused: list[tuple[asyncio.Future[Outcome], Outcome]] = []
            while self._submitted:
                handle, finished = self._submitted.popleft()
                try:
                    multi.add_handle(handle)
                except pycurl.error as exc:
                    refused.append((finished, (REFUSED, f"libcurl refused the transfer: {exc}")))
                    continue
                running[handle] = finished
            if refused:
                self._loop.call_soon_threadsafe(_settle, refused)
            while self._abandoned:
                handle = self._abandoned.popleft()
                if running.pop(handle, None) is not None:
                    multi.remove_handle(handle)
            while multi.perform()[0] == pycurl.E_CALL_MULTI_PERFORM:
                pass
            done = self._collect(multi, running)
            if done:
                self._loop.call_soon_threadsafe(_settle, done)
            if running:
                multi.select(POLL_SECONDS)

    def _wait_for_work(self) -> None:
        with self._wake:
            self._idle = True
            while not self._submitted and not self._stopping:
                self._wake.wait()
            self._idle = False

    @staticmethod
    def _collect(
        multi: pycurl.CurlMulti, running: dict[pycurl.Curl, asyncio.Future[Outcome]]
    ) -> list[tuple[asyncio.Future[Outcome], Outcome]]:
        done: list[tuple[asyncio.Future[Outcome], Outcome]] = []
        while True:
            queued, succeeded, failed = multi.info_read()
            for handle in succeeded:
                multi.remove_handle(handle)
                done.append((running.pop(handle), (0, "")))
            for handle, code, message in failed:
                multi.remove_handle(handle)
                done.append((running.pop(handle), (code, message)))
            if not queued:
                return done

    def _stop(
        self, multi: pycurl.CurlMulti, running: dict[pycurl.Curl, asyncio.Future[Outcome]]
    ) -> None:
        stopped = (STOPPED, "the HTTP driver was closed during the request")
        done = [(finished, stopped) for finished in running.values()]
        done += [(finished, stopped) for _, finished in self._submitted]
        self._submitted.clear()
        with contextlib.suppress(pycurl.error):
            for handle in running:
                multi.remove_handle(handle)
            multi.close()
        if done:
            # A loop that is already closed has nobody left waiting.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(_settle, done)


def _settle(done: list[tuple[asyncio.Future[Outcome], Outcome]]) -> None:
    for finished, outcome in done:
        if not finished.done():
            finished.set_result(outcome)
