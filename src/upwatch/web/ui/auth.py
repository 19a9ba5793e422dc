"""Who is asking: the session cookie, the CSRF check on every unsafe request, role checks."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from upwatch.secret_key import secret_key_for
from upwatch.services.accounts import Role
from upwatch.services.web_sessions import SignedIn, csrf_token, csrf_valid, find_session
from upwatch.web.deps import RuntimeDep, SessionDep
from upwatch.web.runtime import Runtime

SESSION_COOKIE = "upwatch_session"
CSRF_COOKIE = "upwatch_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """The page needs a signed-in user; the handler sends the browser to the sign-in page."""


class Refused(Exception):
    """The visitor may not do this (wrong role, missing CSRF token); answered with a 403 page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class Visitor:
    """The browser behind a request: its sign-in (if any) and the CSRF token its forms carry."""

    request: Request
    runtime: Runtime
    signed_in: SignedIn | None
    csrf: str
    new_csrf_cookie: str | None = None

    @property
    def role(self) -> Role | None:
        return Role(self.signed_in.user.role) if self.signed_in else None

    @property
    def username(self) -> str:
        return self.signed_in.user.username if self.signed_in else ""

    @property
    def can_edit(self) -> bool:
        return self.role is not None and self.role.can_edit

    @property
    def is_admin(self) -> bool:
        return self.role is not None and self.role.is_admin

    def set_cookies(self, response: Response) -> None:
        if self.new_csrf_cookie:
            set_cookie(self, response, CSRF_COOKIE, self.new_csrf_cookie, max_age=None)


def secure_cookies(request: Request, runtime: Runtime) -> bool:
    configured = runtime.settings.secure_cookies
    if configured is not None:
        return configured
    return request.url.scheme == "https" or runtime.settings.base_url.startswith("https://")


def set_cookie(
    visitor: Visitor, response: Response, name: str, value: str, *, max_age: timedelta | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(max_age.total_seconds()) if max_age else None,
        path="/",
        secure=secure_cookies(visitor.request, visitor.runtime),
        httponly=True,
        samesite="lax",
    )


def session_lifetime(runtime: Runtime) -> timedelta:
    return timedelta(hours=runtime.settings.session_hours)


async def get_visitor(request: Request, runtime: RuntimeDep, session: SessionDep) -> Visitor:
    """Every dashboard route depends on this, so no unsafe request passes without its token."""
    session_token = request.cookies.get(SESSION_COOKIE, "")
    signed_in = None
    if session_token:
        found = await find_session(session=session, token=session_token, now=runtime.clock())
        signed_in = found if found and found.row.verified else None
    anonymous = request.cookies.get(CSRF_COOKIE, "")
    binding = session_token or anonymous
    secret_key = secret_key_for(runtime.settings)
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or _field(await request.form(), CSRF_FIELD)
        if not csrf_valid(secret_key=secret_key, binding=binding, candidate=sent):
            raise Refused("This form has expired or did not come from Upwatch. Reload the page.")
    new_cookie = None
    if not binding:
        new_cookie = binding = secrets.token_urlsafe(32)
    return Visitor(
        request=request,
        runtime=runtime,
        signed_in=signed_in,
        csrf=csrf_token(secret_key=secret_key, binding=binding),
        new_csrf_cookie=new_cookie,
    )


VisitorDep = Annotated[Visitor, Depends(get_visitor)]


async def require_member(visitor: VisitorDep) -> Visitor:
    if visitor.signed_in is None:
        raise SignInRequired
    return visitor


async def require_editor(visitor: Annotated[Visitor, Depends(require_member)]) -> Visitor:
    if not visitor.can_edit:
        raise Refused(f"Your role ({visitor.role}) can look but not change things.")
    return visitor


async def require_admin(visitor: Annotated[Visitor, Depends(require_member)]) -> Visitor:
    if not visitor.is_admin:
        raise Refused(f"Only administrators can do this; your role is {visitor.role}.")
    return visitor


Member = Annotated[Visitor, Depends(require_member)]
Editor = Annotated[Visitor, Depends(require_editor)]
Admin = Annotated[Visitor, Depends(require_admin)]


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
