"""Dashboard sign-ins as server-side rows, and the CSRF tokens bound to them.

The browser's cookie holds a random token; the database keeps only its SHA-256 hash, so a
leaked database cannot be replayed as cookies. Signing out deletes the row.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.store.tables import UserRow, UserSessionRow

# Between a correct password and the TOTP code: long enough to open the app, no longer.
SECOND_FACTOR_WINDOW = timedelta(minutes=5)
_LAST_SEEN_RESOLUTION = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class SignedIn:
    row: UserSessionRow
    user: UserRow


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(
    *,
    session: AsyncSession,
    user: UserRow,
    verified: bool,
    lifetime: timedelta,
    now: datetime,
) -> str:
    """A new sign-in; returns the cookie value. ``verified`` is False while a TOTP code is due."""
    token = new_token()
    session.add(
        UserSessionRow(
            token_hash=hash_token(token),
            user_id=user.id,
            verified=verified,
            created_at=now,
            expires_at=now + (lifetime if verified else SECOND_FACTOR_WINDOW),
            last_seen_at=now,
        )
    )
    await session.flush()
    return token


async def find_session(*, session: AsyncSession, token: str, now: datetime) -> SignedIn | None:
    """The unexpired sign-in a cookie stands for, verified or not."""
    found = (
        await session.execute(
            select(UserSessionRow, UserRow)
            .join(UserRow, UserRow.id == UserSessionRow.user_id)
            .where(UserSessionRow.token_hash == hash_token(token), UserSessionRow.expires_at > now)
        )
    ).one_or_none()
    if found is None:
        return None
    row, user = found
    if now - row.last_seen_at > _LAST_SEEN_RESOLUTION:
        row.last_seen_at = now
    return SignedIn(row=row, user=user)


async def complete_second_factor(
    *, session: AsyncSession, signed_in: SignedIn, lifetime: timedelta, now: datetime
) -> str:
    """Replace the half-way session with a full one under a new token (no fixation)."""
    await session.delete(signed_in.row)
    return await start_session(
        session=session, user=signed_in.user, verified=True, lifetime=lifetime, now=now
    )


async def end_session(*, session: AsyncSession, token: str) -> None:
    await session.execute(
        delete(UserSessionRow).where(UserSessionRow.token_hash == hash_token(token))
    )


async def end_other_sessions(*, session: AsyncSession, user_id: int, keep_token: str) -> None:
    """After a password change every other browser signs in again."""
    await session.execute(
        delete(UserSessionRow).where(
            UserSessionRow.user_id == user_id,
            UserSessionRow.token_hash != hash_token(keep_token),
        )
    )


async def forget_expired_sessions(*, session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(UserSessionRow).where(UserSessionRow.expires_at <= now))


def csrf_token(*, secret_key: str, binding: str) -> str:
    """The token forms must send back: an HMAC of the session cookie (or, before sign-in, of a
    random cookie of its own), so another site can neither read nor forge it."""
    digest = hmac.new(secret_key.encode(), f"csrf:{binding}".encode(), hashlib.sha256)
    return digest.hexdigest()


def csrf_valid(*, secret_key: str, binding: str, candidate: str) -> bool:
    return bool(binding) and hmac.compare_digest(
        csrf_token(secret_key=secret_key, binding=binding), candidate
    )
