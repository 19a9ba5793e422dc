"""A webhook receiver that takes a fixed time per request and records arrivals.

``python -m bench.lib.receiver PORT DELAY``; ``GET /__arrivals`` lists (path, time) pairs,
``GET /__reset`` forgets them.
"""

import asyncio
import sys
import time

from aiohttp import web


def make_app(delay: float) -> web.Application:
    arrivals: list[tuple[str, float]] = []

    async def hook(request: web.Request) -> web.Response:
        arrivals.append((request.path, time.time()))
        await request.read()
        await asyncio.sleep(delay)
        return web.Response(text="received")

    async def listing(_: web.Request) -> web.Response:
        return web.json_response(arrivals)

    async def reset(_: web.Request) -> web.Response:
        arrivals.clear()
        return web.Response(text="reset")

    app = web.Application()
    app.router.add_get("/__arrivals", listing)
    app.router.add_get("/__reset", reset)
    app.router.add_route("*", "/{tail:.*}", hook)
    return app


if __name__ == "__main__":
    web.run_app(
        make_app(float(sys.argv[2])),
        host="127.0.0.1",
        port=int(sys.argv[1]),
        access_log=None,
        print=None,
        backlog=4096,
    )
