from datetime import timedelta

import pyotp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from upwatch.errors import ValidationFailedError
from upwatch.services import accounts
from upwatch.services.accounts import MAX_FAILURES, Role, TooManyFailures
from upwatch.store.tables import UserRow

Sessions = async_sessionmaker[AsyncSession]
PASSWORD = "a password long enough"


async def _user(
    sessions: Sessions, clock: Clock, username: str = "ada", role: Role = Role.ADMIN
) -> UserRow:
    async with sessions.begin() as session:
        return await accounts.create_user(
            session=session, username=username, password=PASSWORD, role=role, now=clock()
        )


async def _sign_in(
    sessions: Sessions, clock: Clock, password: str, *, username: str = "ada", address: str = "a"
) -> UserRow | TooManyFailures | None:
    async with sessions.begin() as session:
        return await accounts.sign_in(
            session=session, username=username, password=password, address=address, now=clock()
        )


async def test_passwords_are_stored_as_argon2_hashes_and_checked(
    sessions: Sessions, clock: Clock
) -> None:
    user = await _user(sessions, clock)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    signed_in = await _sign_in(sessions, clock, PASSWORD)
    assert isinstance(signed_in, UserRow)
    assert signed_in.id == user.id
    assert await _sign_in(sessions, clock, "wrong password") is None
    assert await _sign_in(sessions, clock, PASSWORD, username="nobody") is None


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [("", PASSWORD, "username"), ("has space", PASSWORD, "username"), ("ok", "short", "password")],
)
async def test_bad_usernames_and_short_passwords_are_refused(
    sessions: Sessions, clock: Clock, username: str, password: str, field: str
) -> None:
    async with sessions.begin() as session:
        with pytest.raises(ValidationFailedError) as refused:
            await accounts.create_user(
                session=session, username=username, password=password, role=Role.VIEWER, now=clock()
            )
    assert [f for f, _ in refused.value.problems] == [field]
    async with sessions() as session:
        assert not await accounts.has_users(session=session)


async def test_first_run_setup_works_once(sessions: Sessions, clock: Clock) -> None:
    async with sessions.begin() as session:
        admin = await accounts.create_first_admin(
            session=session, username="root", password=PASSWORD, now=clock()
        )
    assert admin.role == Role.ADMIN
    async with sessions.begin() as session:
        with pytest.raises(ValidationFailedError, match="setup is done"):
            await accounts.create_first_admin(
                session=session, username="intruder", password=PASSWORD, now=clock()
            )


async def test_usernames_are_unique(sessions: Sessions, clock: Clock) -> None:
    await _user(sessions, clock)
    with pytest.raises(ValidationFailedError, match="taken"):
        await _user(sessions, clock)


async def test_sign_in_is_refused_after_five_failures_per_account_until_the_window_passes(
    sessions: Sessions, clock: Clock
) -> None:
    await _user(sessions, clock)
    for attempt in range(MAX_FAILURES):
        assert await _sign_in(sessions, clock, "guess", address=f"10.0.0.{attempt}") is None
    # Even the right password is not checked while the account is throttled, from anywhere.
    refused = await _sign_in(sessions, clock, PASSWORD, address="192.0.2.1")
    assert isinstance(refused, TooManyFailures)
    assert refused.message == "Too many failed sign-ins. Try again in 15 minutes."
    clock.advance(15 * 60 + 1)
    assert isinstance(await _sign_in(sessions, clock, PASSWORD), UserRow)


async def test_sign_in_is_refused_after_five_failures_from_one_address(
    sessions: Sessions, clock: Clock
) -> None:
    await _user(sessions, clock)
    for attempt in range(MAX_FAILURES):
        await _sign_in(sessions, clock, "guess", username=f"user{attempt}", address="198.51.100.7")
        clock.advance(60)
    refused = await _sign_in(sessions, clock, PASSWORD, address="198.51.100.7")
    assert isinstance(refused, TooManyFailures)
    assert refused.retry_after == timedelta(minutes=15) - timedelta(minutes=MAX_FAILURES)
    assert isinstance(await _sign_in(sessions, clock, PASSWORD, address="203.0.113.9"), UserRow)


async def test_a_totp_code_is_accepted_once_and_a_wrong_one_counts_as_a_failure(
    sessions: Sessions, clock: Clock
) -> None:
    await _user(sessions, clock)
    secret = accounts.new_totp_secret()
    totp = pyotp.TOTP(secret)
    async with sessions.begin() as session:
        user = await accounts.get_user(session=session, user_id=1)
        with pytest.raises(ValidationFailedError, match="does not match"):
            accounts.enable_totp(user=user, secret=secret, code="000000", now=clock())
        accounts.enable_totp(user=user, secret=secret, code=totp.at(clock()), now=clock())
    assert "otpauth://totp/Upwatch:ada?secret=" in accounts.totp_uri(secret=secret, username="ada")

    clock.advance(30)
    code = totp.at(clock())
    async with sessions.begin() as session:
        user = await accounts.get_user(session=session, user_id=1)
        wrong = "111111" if code != "111111" else "222222"
        assert (
            await accounts.check_totp(
                session=session, user=user, code=wrong, address="a", now=clock()
            )
            is False
        )
        assert (
            await accounts.check_totp(
                session=session, user=user, code=code, address="a", now=clock()
            )
            is True
        )
        assert (
            await accounts.check_totp(
                session=session, user=user, code=code, address="a", now=clock()
            )
            is False
        )  # replayed


async def test_the_last_administrator_cannot_be_demoted_or_removed(
    sessions: Sessions, clock: Clock
) -> None:
    admin = await _user(sessions, clock)
    viewer = await _user(sessions, clock, "bob", Role.VIEWER)
    async with sessions.begin() as session:
        with pytest.raises(ValidationFailedError, match="last administrator"):
            await accounts.set_role(session=session, user_id=admin.id, role=Role.EDITOR)
        with pytest.raises(ValidationFailedError, match="last administrator"):
            await accounts.delete_user(session=session, user_id=admin.id)
        await accounts.set_role(session=session, user_id=viewer.id, role=Role.ADMIN)
    async with sessions.begin() as session:
        await accounts.set_role(session=session, user_id=admin.id, role=Role.VIEWER)
    assert Role.VIEWER.can_edit is False
    assert Role.EDITOR.can_edit
    assert Role.ADMIN.is_admin


async def test_changing_the_password_needs_the_current_one(
    sessions: Sessions, clock: Clock
) -> None:
    await _user(sessions, clock)
    async with sessions.begin() as session:
        user = await accounts.get_user(session=session, user_id=1)
        with pytest.raises(ValidationFailedError, match="current password"):
            await accounts.change_password(
                session=session, user=user, current="wrong", new="another long password"
            )
        await accounts.change_password(
            session=session, user=user, current=PASSWORD, new="another long password"
        )
    assert isinstance(await _sign_in(sessions, clock, "another long password"), UserRow)
