"""Dashboard accounts: users with roles, argon2 passwords, TOTP codes and sign-in rate limits.

There is one project, so a user's role applies to every monitor, incident and channel.
"""

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.errors import NotFoundError, ValidationFailedError
from upwatch.store.tables import LoginFailureRow, UserRow

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
TOTP_ISSUER = "Upwatch"
_USERNAME = re.compile(r"^[A-Za-z0-9_.@+\-]{1,100}$")
_hasher = PasswordHasher()
# Verified against when the username is unknown, so that the answer takes as long either way.
_DUMMY_HASH = _hasher.hash("an unguessable placeholder password")


class Role(StrEnum):
    ADMIN = "admin"  # everything, including users and API tokens
    EDITOR = "editor"  # monitors, incidents and channels
    VIEWER = "viewer"  # reads only

    @property
    def can_edit(self) -> bool:
        return self in (Role.ADMIN, Role.EDITOR)

    @property
    def is_admin(self) -> bool:
        return self is Role.ADMIN


@dataclass(frozen=True, slots=True)
class TooManyFailures:
    """Sign-in refused without checking the password: too many recent failures."""

    retry_after: timedelta

    @property
    def message(self) -> str:
        minutes = max(1, round(self.retry_after.total_seconds() / 60))
        unit = "minute" if minutes == 1 else "minutes"
        return f"Too many failed sign-ins. Try again in {minutes} {unit}."


async def has_users(*, session: AsyncSession) -> bool:
    return await session.scalar(select(UserRow.id).limit(1)) is not None


async def create_user(
    *, session: AsyncSession, username: str, password: str, role: Role, now: datetime
) -> UserRow:
    username = username.strip()
    problems = _username_problems(username) + _password_problems(password)
    if not problems and await _find(session, username) is not None:
        problems.append(("username", "this username is taken"))
    if problems:
        raise ValidationFailedError(problems)
    row = UserRow(
        username=username,
        password_hash=await _hash(password),
        role=role.value,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def create_first_admin(
    *, session: AsyncSession, username: str, password: str, now: datetime
) -> UserRow:
    """The first-run setup; refused once any user exists, so it cannot take over an install."""
    if await has_users(session=session):
        raise ValidationFailedError([("username", "setup is done: an administrator exists")])
    return await create_user(
        session=session, username=username, password=password, role=Role.ADMIN, now=now
    )


async def sign_in(
    *, session: AsyncSession, username: str, password: str, address: str, now: datetime
) -> UserRow | TooManyFailures | None:
    """The user when the password is right; ``None`` (and a failure counted) when it is not.

    The caller commits in both cases: a failure must be stored even though sign-in failed.
    """
    username = username.strip()
    refused = await _throttled(session, username=username, address=address, now=now)
    if refused is not None:
        return refused
    user = await _find(session, username)
    if not await _verify(user.password_hash if user else _DUMMY_HASH, password) or user is None:
        await _record_failure(session, username=username, address=address, now=now)
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = await _hash(password)
    return user


async def check_totp(
    *, session: AsyncSession, user: UserRow, code: str, address: str, now: datetime
) -> bool | TooManyFailures:
    """A wrong code counts as a failed sign-in; each accepted code works once."""
    refused = await _throttled(session, username=user.username, address=address, now=now)
    if refused is not None:
        return refused
    step = _accepted_step(user.totp_secret or "", code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        await _record_failure(session, username=user.username, address=address, now=now)
        return False
    user.totp_last_step = step
    return True


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(*, secret: str, username: str) -> str:
    """The otpauth:// URI authenticator apps read (as a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=TOTP_ISSUER)


def enable_totp(*, user: UserRow, secret: str, code: str, now: datetime) -> None:
    """Turn on two-factor sign-in once the user proved their app makes the right codes."""
    step = _accepted_step(secret, code, now)
    if step is None:
        raise ValidationFailedError([("code", "this code does not match; check the app's clock")])
    user.totp_secret, user.totp_last_step = secret, step


def disable_totp(*, user: UserRow) -> None:
    user.totp_secret = user.totp_last_step = None


async def password_matches(*, user: UserRow, password: str) -> bool:
    """For changes that need the password again, such as turning two-factor sign-in off."""
    return await _verify(user.password_hash, password)


async def change_password(*, session: AsyncSession, user: UserRow, current: str, new: str) -> None:
    if not await _verify(user.password_hash, current):
        raise ValidationFailedError([("current_password", "this is not your current password")])
    problems = _password_problems(new, field="new_password")
    if problems:
        raise ValidationFailedError(problems)
    user.password_hash = await _hash(new)
    await session.flush()


async def list_users(*, session: AsyncSession) -> Sequence[UserRow]:
    return (await session.scalars(select(UserRow).order_by(UserRow.username))).all()


async def get_user(*, session: AsyncSession, user_id: int) -> UserRow:
    row = await session.get(UserRow, user_id)
    if row is None:
        raise NotFoundError(f"user {user_id} does not exist")
    return row


async def set_role(*, session: AsyncSession, user_id: int, role: Role) -> UserRow:
    user = await get_user(session=session, user_id=user_id)
    if user.role == Role.ADMIN and role is not Role.ADMIN:
        await _keep_an_admin(session)
    user.role = role.value
    return user


async def delete_user(*, session: AsyncSession, user_id: int) -> None:
    user = await get_user(session=session, user_id=user_id)
    if user.role == Role.ADMIN:
        await _keep_an_admin(session)
    await session.delete(user)


async def forget_old_failures(*, session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < now - FAILURE_WINDOW))


async def _keep_an_admin(session: AsyncSession) -> None:
    admins = await session.scalar(
        select(func.count()).select_from(UserRow).where(UserRow.role == Role.ADMIN.value)
    )
    if (admins or 0) <= 1:
        raise ValidationFailedError([("role", "the last administrator must stay one")])


async def _find(session: AsyncSession, username: str) -> UserRow | None:
    result: UserRow | None = await session.scalar(
        select(UserRow).where(UserRow.username == username)
    )
    return result


async def _throttled(
    session: AsyncSession, *, username: str, address: str, now: datetime
) -> TooManyFailures | None:
    since = now - FAILURE_WINDOW
    recent = LoginFailureRow.at >= since
    per_address, per_account = (
        await session.execute(
            select(
                func.count().filter(LoginFailureRow.address == address),
                func.count().filter(LoginFailureRow.username == username),
            ).where(
                recent,
                or_(LoginFailureRow.address == address, LoginFailureRow.username == username),
            )
        )
    ).one()
    if max(per_address, per_account) < MAX_FAILURES:
        return None
    oldest = await session.scalar(
        select(func.min(LoginFailureRow.at)).where(
            recent,
            LoginFailureRow.address == address
            if per_address >= MAX_FAILURES
            else LoginFailureRow.username == username,
        )
    )
    return TooManyFailures(retry_after=(oldest or now) + FAILURE_WINDOW - now)


async def _record_failure(
    session: AsyncSession, *, username: str, address: str, now: datetime
) -> None:
    session.add(LoginFailureRow(address=address[:64], username=username[:100], at=now))
    await session.flush()


def _accepted_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step ``code`` belongs to, allowing one step of clock drift either way."""
    code = code.strip().replace(" ", "")
    if not secret or not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    for drift in (0, -1, 1):
        at = now + timedelta(seconds=drift * totp.interval)
        if totp.verify(code, for_time=at, valid_window=0):
            return totp.timecode(at)
    return None


def _username_problems(username: str) -> list[tuple[str, str]]:
    if _USERNAME.fullmatch(username):
        return []
    return [("username", "use 1 to 100 letters, digits or . _ @ + -")]


def _password_problems(password: str, field: str = "password") -> list[tuple[str, str]]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [(field, f"use at least {MIN_PASSWORD_LENGTH} characters")]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [(field, f"use at most {MAX_PASSWORD_LENGTH} characters")]
    return []


async def _hash(password: str) -> str:
    # argon2 is slow on purpose; keep the event loop free while it works.
    return await asyncio.to_thread(_hasher.hash, password)


async def _verify(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
