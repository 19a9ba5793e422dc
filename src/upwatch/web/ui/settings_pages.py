"""Settings: one's own password and TOTP; users and API tokens (administrators)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response, status

from upwatch.errors import ValidationFailedError
from upwatch.services import accounts, tokens, web_sessions
from upwatch.services.accounts import Role
from upwatch.web.deps import SessionDep
from upwatch.web.ui.auth import SESSION_COOKIE, Admin, Member, Visitor, get_visitor
from upwatch.web.ui.qr_codes import qr_svg
from upwatch.web.ui.signin import redirect
from upwatch.web.ui.templating import render

router = APIRouter(prefix="/settings", dependencies=[Depends(get_visitor)], include_in_schema=False)
Text = Annotated[str, Form()]
_INVALID = status.HTTP_422_UNPROCESSABLE_CONTENT


@router.get("")
async def account_page(visitor: Member) -> Response:
    return _account(visitor)


@router.post("/password")
async def change_password(
    visitor: Member,
    session: SessionDep,
    current_password: Text = "",
    new_password: Text = "",
    new_password_confirm: Text = "",
) -> Response:
    assert visitor.signed_in is not None
    try:
        if new_password != new_password_confirm:
            raise ValidationFailedError([("new_password_confirm", "the passwords differ")])
        await accounts.change_password(
            session=session, user=visitor.signed_in.user, current=current_password, new=new_password
        )
    except ValidationFailedError as exc:
        return _account(visitor, errors=dict(exc.problems), status_code=_INVALID)
    await web_sessions.end_other_sessions(
        session=session,
        user_id=visitor.signed_in.user.id,
        keep_token=visitor.request.cookies.get(SESSION_COOKIE, ""),
    )
    await session.commit()
    return _account(visitor, notice="Password changed; other browsers are signed out.")


@router.post("/totp")
async def enable_totp(
    visitor: Member, session: SessionDep, secret: Text = "", code: Text = ""
) -> Response:
    assert visitor.signed_in is not None
    try:
        accounts.enable_totp(
            user=visitor.signed_in.user, secret=secret, code=code, now=visitor.runtime.clock()
        )
    except ValidationFailedError as exc:
        return _account(visitor, errors=dict(exc.problems), secret=secret, status_code=_INVALID)
    await session.commit()
    return _account(visitor, notice="Two-factor sign-in is on.")


@router.post("/totp/disable")
async def disable_totp(visitor: Member, session: SessionDep, password: Text = "") -> Response:
    assert visitor.signed_in is not None
    user = visitor.signed_in.user
    if not await accounts.password_matches(user=user, password=password):
        errors = {"disable_password": "this is not your password"}
        return _account(visitor, errors=errors, status_code=_INVALID)
    accounts.disable_totp(user=user)
    await session.commit()
    return _account(visitor, notice="Two-factor sign-in is off.")


def _account(
    visitor: Visitor,
    *,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    secret: str | None = None,
    status_code: int = 200,
) -> Response:
    assert visitor.signed_in is not None
    user = visitor.signed_in.user
    secret = secret or accounts.new_totp_secret()
    uri = accounts.totp_uri(secret=secret, username=user.username)
    return render(
        visitor,
        "settings/account.html",
        {
            "user": user,
            "secret": secret,
            "otpauth_uri": uri,
            "qr_code": qr_svg(uri, label="QR code of the two-factor key"),
            "errors": errors or {},
            "notice": notice,
        },
        status_code=status_code,
    )


@router.get("/tokens")
async def tokens_page(visitor: Admin, session: SessionDep) -> Response:
    return render(visitor, "settings/tokens.html", await _tokens(session))


@router.post("/tokens")
async def create_token(
    visitor: Admin,
    session: SessionDep,
    name: Text = "",
    read_only: Annotated[bool, Form()] = False,
) -> Response:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        context = await _tokens(
            session, errors={"name": "give the token a name of 1 to 100 characters"}
        )
        return render(visitor, "settings/tokens.html", context, status_code=_INVALID)
    _, token = await tokens.create_token(
        session=session, name=name, read_only=read_only, now=visitor.runtime.clock()
    )
    context = await _tokens(session, created=token)
    await session.commit()
    return render(visitor, "settings/tokens.html", context, status_code=status.HTTP_201_CREATED)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(token_id: int, visitor: Admin, session: SessionDep) -> Response:
    await tokens.revoke_token(session=session, token_id=token_id)
    await session.commit()
    return redirect("/settings/tokens")


async def _tokens(
    session: SessionDep, *, errors: dict[str, str] | None = None, created: str | None = None
) -> dict[str, object]:
    return {
        "tokens": await tokens.list_tokens(session=session),
        "errors": errors or {},
        "created": created,
    }


@router.get("/users")
async def users_page(visitor: Admin, session: SessionDep) -> Response:
    return render(visitor, "settings/users.html", await _users(session))


@router.post("/users")
async def add_user(
    visitor: Admin,
    session: SessionDep,
    username: Text = "",
    password: Text = "",
    role: Text = "",
) -> Response:
    values = {"username": username, "role": role}
    try:
        await accounts.create_user(
            session=session,
            username=username,
            password=password,
            role=_role(role),
            now=visitor.runtime.clock(),
        )
    except ValidationFailedError as exc:
        context = await _users(session, errors=dict(exc.problems), values=values)
        return render(visitor, "settings/users.html", context, status_code=_INVALID)
    await session.commit()
    return redirect("/settings/users")


@router.post("/users/{user_id}/role")
async def change_role(
    user_id: int, visitor: Admin, session: SessionDep, role: Text = ""
) -> Response:
    try:
        await accounts.set_role(session=session, user_id=user_id, role=_role(role))
    except ValidationFailedError as exc:
        context = await _users(session, errors=dict(exc.problems))
        return render(visitor, "settings/users.html", context, status_code=_INVALID)
    await session.commit()
    return redirect("/settings/users")


@router.post("/users/{user_id}/delete")
async def delete_user(user_id: int, visitor: Admin, session: SessionDep) -> Response:
    try:
        await accounts.delete_user(session=session, user_id=user_id)
    except ValidationFailedError as exc:
        context = await _users(session, errors=dict(exc.problems))
        return render(visitor, "settings/users.html", context, status_code=_INVALID)
    await session.commit()
    return redirect("/settings/users")


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationFailedError([("role", "choose admin, editor or viewer")]) from None


async def _users(
    session: SessionDep,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> dict[str, object]:
    return {
        "users": await accounts.list_users(session=session),
        "roles": list(Role),
        "errors": errors or {},
        "values": values or {"role": Role.VIEWER.value},
    }
