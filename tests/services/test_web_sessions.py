from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from upwatch.services import accounts, web_sessions
from upwatch.services.accounts import Role
from upwatch.store.tables import UserSessionRow

Sessions = async_sessionmaker[AsyncSession]
DAY = timedelta(hours=24)


async def _start(sessions: Sessions, clock: Clock, *, verified: bool = True) -> str:
    async with sessions.begin() as session:
        user = await accounts.create_user(
            session=session,
            username="ada",
            password="long enough pw",
            role=Role.EDITOR,
            now=clock(),
        )
        return await web_sessions.start_session(
            session=session, user=user, verified=verified, lifetime=DAY, now=clock()
        )


async def test_a_session_is_stored_as_a_hash_and_expires(sessions: Sessions, clock: Clock) -> None:
    token = await _start(sessions, clock)
    async with sessions.begin() as session:
        row = (await session.scalars(select(UserSessionRow))).one()
        assert row.token_hash == web_sessions.hash_token(token) != token
        found = await web_sessions.find_session(session=session, token=token, now=clock())
        assert found is not None
        assert found.user.username == "ada"
        assert found.row.verified
        assert await web_sessions.find_session(session=session, token="forged", now=clock()) is None
    clock.advance(DAY.total_seconds())
    async with sessions.begin() as session:
        assert await web_sessions.find_session(session=session, token=token, now=clock()) is None


async def test_a_half_signed_in_session_lasts_minutes_and_is_replaced_when_completed(
    sessions: Sessions, clock: Clock
) -> None:
    token = await _start(sessions, clock, verified=False)
    async with sessions.begin() as session:
        pending = await web_sessions.find_session(session=session, token=token, now=clock())
        assert pending is not None
        assert not pending.row.verified
        assert pending.row.expires_at == clock() + web_sessions.SECOND_FACTOR_WINDOW
        full = await web_sessions.complete_second_factor(
            session=session, signed_in=pending, lifetime=DAY, now=clock()
        )
    async with sessions.begin() as session:
        assert await web_sessions.find_session(session=session, token=token, now=clock()) is None
        found = await web_sessions.find_session(session=session, token=full, now=clock())
        assert found is not None
        assert found.row.verified


async def test_signing_out_ends_the_session(sessions: Sessions, clock: Clock) -> None:
    token = await _start(sessions, clock)
    async with sessions.begin() as session:
        await web_sessions.end_session(session=session, token=token)
    async with sessions.begin() as session:
        assert await web_sessions.find_session(session=session, token=token, now=clock()) is None


def test_csrf_tokens_are_bound_to_their_cookie_and_key() -> None:
    token = web_sessions.csrf_token(secret_key="k", binding="cookie")
    assert web_sessions.csrf_valid(secret_key="k", binding="cookie", candidate=token)
    assert not web_sessions.csrf_valid(secret_key="k", binding="other", candidate=token)
    assert not web_sessions.csrf_valid(secret_key="k2", binding="cookie", candidate=token)
    assert not web_sessions.csrf_valid(secret_key="k", binding="", candidate="")
