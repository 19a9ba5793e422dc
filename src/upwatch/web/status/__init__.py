"""Public status pages, their JSON, badges and custom domains; no login needed."""

from fastapi import FastAPI

from upwatch.settings import Settings
from upwatch.web.status import badges, public
from upwatch.web.status.cache import PublicCache
from upwatch.web.status.hosts import CustomDomains


def install(app: FastAPI, settings: Settings) -> None:
    app.state.public_cache = PublicCache(settings.status_page_cache_seconds)
    app.add_middleware(CustomDomains, own_host=settings.base_url)
    app.include_router(public.router)
    app.include_router(badges.router)
