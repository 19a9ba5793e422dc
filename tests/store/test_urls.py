import pytest

from upwatch.store.urls import to_async_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/up", "postgresql+asyncpg://u:p@db:5432/up"),
        ("postgres://u@db/up", "postgresql+asyncpg://u@db/up"),
        ("postgresql+psycopg2://u@db/up", "postgresql+asyncpg://u@db/up"),
        ("postgresql+asyncpg://u@db/up", "postgresql+asyncpg://u@db/up"),
        ("postgresql://u@db/up?sslmode=require", "postgresql+asyncpg://u@db/up?ssl=require"),
        ("sqlite:///data/up.db", "sqlite+aiosqlite:///data/up.db"),
        ("sqlite:////abs/up.db", "sqlite+aiosqlite:////abs/up.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_plain_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert to_async_url(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("mysql://u@db/up", "unsupported database"),
        ("not a url", "not a database URL"),
        ("postgresql://u@db/up?sslmode=bogus", "unknown sslmode"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(given: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        to_async_url(given)


def test_a_separate_password_fills_a_url_without_one() -> None:
    from pydantic import SecretStr

    from upwatch.settings import Settings

    settings = Settings(
        database_url="postgresql://upwatch@db:5432/upwatch", database_password=SecretStr("p@ss")
    )
    assert settings.async_database_url == "postgresql+asyncpg://upwatch:p%40ss@db:5432/upwatch"
    given = Settings(database_url="postgresql://u:own@db/x", database_password=SecretStr("no"))
    assert given.async_database_url == "postgresql+asyncpg://u:own@db/x"
