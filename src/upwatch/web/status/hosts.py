"""Custom domains: a request for ``/`` whose Host is a status page's domain gets that page.

Every other host (Upwatch's own, an IP address, localhost) and every other path passes through
untouched, so the dashboard keeps ``/``. The map of domains is cached like the pages are, so a
request for ``/`` costs a dictionary lookup, not a query.
"""

import ipaddress
from urllib.parse import urlsplit

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from upwatch.services.status_pages import public_domains
from upwatch.web.runtime import Runtime
from upwatch.web.status.cache import PublicCache

log = structlog.get_logger(__name__)
# What a custom domain serves, by the path asked for, as the path Upwatch serves it at.
_ROUTED = {"/": "/status/{slug}", "/status.json": "/status/{slug}.json"}
_LOCAL_NAMES = frozenset({"localhost", "testserver"})


class CustomDomains:
    def __init__(self, app: ASGIApp, *, own_host: str) -> None:
        self.app = app
        self.own_host = (urlsplit(own_host).hostname or "").lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] in _ROUTED
            and scope["method"]
            in (
                "GET",
                "HEAD",
            )
        ):
            host = host_of(scope)
            if host and host != self.own_host and not _is_local(host):
                slug = await self._slug_for(scope, host)
                if slug is not None:
                    path = _ROUTED[scope["path"]].format(slug=slug)
                    scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)

    async def _slug_for(self, scope: Scope, host: str) -> str | None:
        state = scope["app"].state
        runtime: Runtime | None = getattr(state, "runtime", None)
        cache: PublicCache | None = getattr(state, "public_cache", None)
        if runtime is None or cache is None:
            return None

        async def load() -> dict[str, str]:
            async with runtime.sessions() as session:
                return await public_domains(session=session)

        try:
            domains = await cache.domains.get("domains", load)
        except Exception as exc:
            # The dashboard must still answer when the database is slow or down.
            log.warning("custom domains not looked up", error=repr(exc))
            return None
        return domains.get(host)


def host_of(scope: Scope) -> str | None:
    """The Host header's name, lower case, without port or trailing dot."""
    for name, value in scope["headers"]:
        if name == b"host":
            host = value.decode("latin-1").strip().lower()
            if host.startswith("["):
                return host[1 : host.find("]")] if "]" in host else None
            return host.rsplit(":", 1)[0].rstrip(".") or None
    return None


def _is_local(host: str) -> bool:
    if host in _LOCAL_NAMES:
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
