"""Turn the database URLs users know into the async-driver URLs SQLAlchemy needs."""

from sqlalchemy.engine import URL, make_url

_ASYNC_DRIVERS = {"postgresql": "asyncpg", "sqlite": "aiosqlite"}
_SCHEME_ALIASES = {"postgres": "postgresql"}
_SSLMODE_TO_ASYNCPG = {
    "disable": "disable",
    "allow": "allow",
    "prefer": "prefer",
    "require": "require",
    "verify-ca": "verify-ca",
    "verify-full": "verify-full",
}


def to_async_url(raw: str) -> str:
    """Accept ``postgresql://``, ``postgres://``, ``sqlite:///`` and driver-qualified URLs.

    asyncpg does not understand libpq's ``sslmode`` query parameter, so it becomes ``ssl``.
    """
    scheme, sep, rest = raw.partition("://")
    if not sep:
        raise ValueError(f"not a database URL: {raw!r}")
    backend = scheme.split("+", 1)[0]
    backend = _SCHEME_ALIASES.get(backend, backend)
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use postgresql:// or sqlite:///")
    url: URL = make_url(f"{backend}+{_ASYNC_DRIVERS[backend]}://{rest}")
    if backend == "postgresql" and "sslmode" in url.query:
        mode = str(url.query["sslmode"])
        if mode not in _SSLMODE_TO_ASYNCPG:
            raise ValueError(f"unknown sslmode {mode!r}")
        url = url.difference_update_query(["sslmode"]).update_query_dict(
            {"ssl": _SSLMODE_TO_ASYNCPG[mode]}
        )
    return url.render_as_string(hide_password=False)
