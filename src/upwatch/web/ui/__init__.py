"""The dashboard: server-rendered pages with htmx, live status over server-sent events."""

from urllib.parse import urlencode

from fastapi import FastAPI, Request, Response, status
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from upwatch.services.accounts import has_users
from upwatch.web.runtime import Runtime
from upwatch.web.ui import (
    channel_pages,
    incident_pages,
    live,
    maintenance_pages,
    monitor_pages,
    settings_pages,
    signin,
)
from upwatch.web.ui.auth import Refused, SignInRequired
from upwatch.web.ui.templating import STATIC, STATIC_PATH, security_headers, templates

# Every module with dashboard routes, each exposing ``router``.
PAGE_MODULES = (
    signin,
    settings_pages,
    monitor_pages,
    incident_pages,
    maintenance_pages,
    channel_pages,
    live,
)


def install(app: FastAPI) -> None:
    """Add the dashboard's routes, static files and error pages to ``app``."""
    for module in PAGE_MODULES:
        app.include_router(module.router)
    app.mount(STATIC_PATH, StaticFiles(directory=STATIC), name="ui-static")
    app.add_exception_handler(SignInRequired, _to_sign_in)
    app.add_exception_handler(Refused, _refused)


async def _to_sign_in(request: Request, _: Exception) -> Response:
    runtime: Runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        target = "/login" if await has_users(session=session) else "/setup"
    if target == "/login" and request.url.path != "/":
        target += "?" + urlencode({"next": request.url.path})
    if request.headers.get("HX-Request"):
        # htmx would swap the sign-in page into a fragment; have it load the page instead.
        return Response(status_code=status.HTTP_204_NO_CONTENT, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


async def _refused(request: Request, exc: Exception) -> Response:
    message = exc.message if isinstance(exc, Refused) else "Forbidden."
    return templates.TemplateResponse(
        request,
        "refused.html",
        {"visitor": None, "message": message},
        status_code=status.HTTP_403_FORBIDDEN,
        headers=security_headers(),
    )
