"""/status/{slug} and /status/{slug}.json: public status pages, no login, served from cache."""

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import HTMLResponse, JSONResponse

from upwatch.services.status_pages import find_by_slug
from upwatch.services.status_summary import StatusSummary, build_summary
from upwatch.web.deps import RuntimeDep
from upwatch.web.runtime import Runtime
from upwatch.web.status.cache import PublicCache, PublicCacheDep, Rendered, conditional
from upwatch.web.status.render import (
    STYLESHEET,
    render_html,
    render_json,
    stylesheet,
    stylesheet_version,
)

router = APIRouter(tags=["status pages (public)"])
ASSETS_PATH = "/status/_assets"
_READ = ["GET", "HEAD"]
# The page runs no scripts and loads nothing but its stylesheet and inline icon.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


@router.api_route(f"{ASSETS_PATH}/{STYLESHEET}", methods=_READ, include_in_schema=False)
async def status_stylesheet(request: Request) -> Response:
    # Pages link it with its version in the query, so a new release is fetched at once.
    return conditional(
        request,
        Rendered.of(stylesheet(), "text/css"),
        cache_control="public, max-age=86400",
        headers={},
    )


@router.get("/status/{slug}.json")
@router.head("/status/{slug}.json", include_in_schema=False)
async def status_page_json(
    slug: str, request: Request, runtime: RuntimeDep, cache: PublicCacheDep
) -> Response:
    """The page's summary: overall state, components with 90 days of uptime, incidents."""
    rendered = await cache.pages.get(("json", slug), _renderer(runtime, cache, slug, _as_json))
    if rendered is None:
        return JSONResponse({"error": "status page not found"}, status.HTTP_404_NOT_FOUND)
    return cache.respond(request, rendered)


@router.get("/status/{slug}", response_class=HTMLResponse)
@router.head("/status/{slug}", response_class=HTMLResponse, include_in_schema=False)
async def status_page(
    slug: str, request: Request, runtime: RuntimeDep, cache: PublicCacheDep
) -> Response:
    rendered = await cache.pages.get(("html", slug), _renderer(runtime, cache, slug, _as_html))
    if rendered is None:
        return HTMLResponse(_NOT_FOUND, status.HTTP_404_NOT_FOUND, headers=PAGE_HEADERS)
    return cache.respond(request, rendered, PAGE_HEADERS)


async def load_summary(runtime: Runtime, cache: PublicCache, slug: str) -> StatusSummary | None:
    async with runtime.sessions() as session:
        page = await find_by_slug(session=session, slug=slug)
        if page is None:
            return None
        return await build_summary(
            session=session,
            page=page,
            now=runtime.clock(),
            finished_days=cache.finished_days,
        )


def _renderer(
    runtime: Runtime,
    cache: PublicCache,
    slug: str,
    encode: Callable[[StatusSummary], Rendered],
) -> Callable[[], Awaitable[Rendered | None]]:
    async def render() -> Rendered | None:
        summary = await load_summary(runtime, cache, slug)
        return None if summary is None else encode(summary)

    return render


def _as_html(summary: StatusSummary) -> Rendered:
    html = render_html(
        summary,
        stylesheet_href=f"{ASSETS_PATH}/{STYLESHEET}?v={stylesheet_version()}",
        json_href=f"/status/{summary.slug}.json",
    )
    return Rendered.of(html.encode(), "text/html; charset=utf-8")


def _as_json(summary: StatusSummary) -> Rendered:
    return Rendered.of(render_json(summary), "application/json")


_NOT_FOUND = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Status page not found</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Status page not found</h1>
<p>There is no public status page at this address.</p></main></body></html>
"""
