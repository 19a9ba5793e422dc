"""First-run setup, sign-in with an optional TOTP code, and sign-out."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Response, status
from fastapi.responses import RedirectResponse

from upwatch.errors import ValidationFailedError
from upwatch.services import accounts, web_sessions
from upwatch.services.accounts import TooManyFailures
from upwatch.store.tables import UserRow
from upwatch.web.deps import SessionDep
from upwatch.web.ui.auth import (
    SESSION_COOKIE,
    Visitor,
    VisitorDep,
    client_address,
    get_visitor,
    session_lifetime,
    set_cookie,
)
from upwatch.web.ui.templating import render

router = APIRouter(dependencies=[Depends(get_visitor)], include_in_schema=False)
Text = Annotated[str, Form()]
Next = Annotated[str, Form()]


def safe_next(target: str | None) -> str:
    """Only paths on this site: ``//evil.example`` or ``https://…`` would leave it."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def redirect(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


@router.get("/setup")
async def setup_page(visitor: VisitorDep, session: SessionDep) -> Response:
    if await accounts.has_users(session=session):
        return redirect("/login")
    return render(visitor, "setup.html", {"values": {}, "errors": {}})


@router.post("/setup")
async def setup(
    visitor: VisitorDep,
    session: SessionDep,
    username: Text = "",
    password: Text = "",
    password_confirm: Text = "",
) -> Response:
    values = {"username": username}
    try:
        if password != password_confirm:
            raise ValidationFailedError([("password_confirm", "the passwords differ")])
        user = await accounts.create_first_admin(
            session=session, username=username, password=password, now=visitor.runtime.clock()
        )
    except ValidationFailedError as exc:
        errors = dict(exc.problems)
        return render(
            visitor,
            "setup.html",
            {"values": values, "errors": errors},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    return await _signed_in(visitor, session, user, "/")


@router.get("/login")
async def login_page(visitor: VisitorDep, session: SessionDep, next: str = "/") -> Response:
    if visitor.signed_in is not None:
        return redirect(safe_next(next))
    if not await accounts.has_users(session=session):
        return redirect("/setup")
    return render(visitor, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/login")
async def login(
    visitor: VisitorDep,
    session: SessionDep,
    username: Text = "",
    password: Text = "",
    next: Next = "/",
) -> Response:
    now = visitor.runtime.clock()
    outcome = await accounts.sign_in(
        session=session,
        username=username,
        password=password,
        address=client_address(visitor.request),
        now=now,
    )
    if not isinstance(outcome, UserRow):
        await session.commit()  # the failure counts even though this request fails
        return _login_failed(visitor, outcome, username=username, next=next)
    await accounts.forget_old_failures(session=session, now=now)
    await web_sessions.forget_expired_sessions(session=session, now=now)
    if outcome.totp_secret:
        token = await web_sessions.start_session(
            session=session,
            user=outcome,
            verified=False,
            lifetime=session_lifetime(visitor.runtime),
            now=now,
        )
        await session.commit()
        response = redirect("/login/code?" + urlencode({"next": safe_next(next)}))
        set_cookie(
            visitor, response, SESSION_COOKIE, token, max_age=web_sessions.SECOND_FACTOR_WINDOW
        )
        return response
    return await _signed_in(visitor, session, outcome, next)


@router.get("/login/code")
async def code_page(visitor: VisitorDep, session: SessionDep, next: str = "/") -> Response:
    if await _half_signed_in(visitor, session) is None:
        return redirect("/login")
    return render(visitor, "login_code.html", {"next": safe_next(next), "error": None})


@router.post("/login/code")
async def code(
    visitor: VisitorDep, session: SessionDep, code: Text = "", next: Next = "/"
) -> Response:
    pending = await _half_signed_in(visitor, session)
    if pending is None:
        return redirect("/login")
    now = visitor.runtime.clock()
    outcome = await accounts.check_totp(
        session=session,
        user=pending.user,
        code=code,
        address=client_address(visitor.request),
        now=now,
    )
    if outcome is not True:
        await session.commit()
        if isinstance(outcome, TooManyFailures):
            error, answer = outcome.message, status.HTTP_429_TOO_MANY_REQUESTS
        else:
            error, answer = (
                "This code is not right. Try the next one.",
                status.HTTP_401_UNAUTHORIZED,
            )
        context = {"next": safe_next(next), "error": error}
        return render(visitor, "login_code.html", context, status_code=answer)
    pending.user.last_login_at = now
    token = await web_sessions.complete_second_factor(
        session=session, signed_in=pending, lifetime=session_lifetime(visitor.runtime), now=now
    )
    await session.commit()
    response = redirect(safe_next(next))
    set_cookie(visitor, response, SESSION_COOKIE, token, max_age=session_lifetime(visitor.runtime))
    return response


@router.post("/logout")
async def logout(visitor: VisitorDep, session: SessionDep) -> Response:
    token = visitor.request.cookies.get(SESSION_COOKIE)
    if token:
        await web_sessions.end_session(session=session, token=token)
        await session.commit()
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _signed_in(visitor: Visitor, session: SessionDep, user: UserRow, next: str) -> Response:
    now = visitor.runtime.clock()
    user.last_login_at = now
    lifetime = session_lifetime(visitor.runtime)
    token = await web_sessions.start_session(
        session=session, user=user, verified=True, lifetime=lifetime, now=now
    )
    await session.commit()
    response = redirect(safe_next(next))
    set_cookie(visitor, response, SESSION_COOKIE, token, max_age=lifetime)
    return response


async def _half_signed_in(visitor: Visitor, session: SessionDep) -> web_sessions.SignedIn | None:
    token = visitor.request.cookies.get(SESSION_COOKIE, "")
    found = token and await web_sessions.find_session(
        session=session, token=token, now=visitor.runtime.clock()
    )
    return found if found and not found.row.verified else None


def _login_failed(
    visitor: Visitor, outcome: TooManyFailures | None, *, username: str, next: str
) -> Response:
    refused = outcome is not None
    return render(
        visitor,
        "login.html",
        {
            "next": safe_next(next),
            "username": username,
            "error": outcome.message if outcome else "Wrong username or password.",
        },
        status_code=status.HTTP_429_TOO_MANY_REQUESTS if refused else status.HTTP_401_UNAUTHORIZED,
    )
