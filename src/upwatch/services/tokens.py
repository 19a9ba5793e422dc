"""API tokens: created once, shown once, stored as a SHA-256 hash."""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.errors import NotFoundError
from upwatch.store.tables import ApiTokenRow

TOKEN_PREFIX = "uw_"  # noqa: S105 - a public marker that makes tokens recognisable
_LAST_USED_RESOLUTION = timedelta(minutes=5)


def hash_token(token: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough; no password stretching needed.
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    *, session: AsyncSession, name: str, read_only: bool, now: datetime
) -> tuple[ApiTokenRow, str]:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiTokenRow(name=name, token_hash=hash_token(token), read_only=read_only, created_at=now)
    session.add(row)
    await session.flush()
    return row, token


async def authenticate(*, session: AsyncSession, token: str, now: datetime) -> ApiTokenRow | None:
    row = await session.scalar(
        select(ApiTokenRow).where(ApiTokenRow.token_hash == hash_token(token))
    )
    if row is not None and (
        row.last_used_at is None or now - row.last_used_at > _LAST_USED_RESOLUTION
    ):
        row.last_used_at = now
    return row


async def list_tokens(*, session: AsyncSession) -> Sequence[ApiTokenRow]:
    return (await session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))).all()


async def revoke_token(*, session: AsyncSession, token_id: int) -> None:
    row = await session.get(ApiTokenRow, token_id)
    if row is None:
        raise NotFoundError(f"API token {token_id} does not exist")
    await session.delete(row)
