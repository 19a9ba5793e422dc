"""Dependencies routes declare through ``Annotated`` aliases."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from upwatch.services.tokens import authenticate
from upwatch.store.tables import ApiTokenRow
from upwatch.web.runtime import Runtime


async def get_runtime(request: Request) -> Runtime:
    """Async, so FastAPI resolves it on the loop instead of a thread pool hop per request."""
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed when the route returns without error."""
    async with runtime.sessions.begin() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
_bearer = HTTPBearer(auto_error=False, description="An API token from `upwatch token create`.")


async def require_token(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiTokenRow:
    if credentials is None:
        raise _unauthorized("missing bearer token")
    async with runtime.sessions.begin() as session:
        token = await authenticate(
            session=session, token=credentials.credentials, now=runtime.clock()
        )
    if token is None:
        raise _unauthorized("invalid bearer token")
    return token


async def require_write_token(
    token: Annotated[ApiTokenRow, Depends(require_token)],
) -> ApiTokenRow:
    if token.read_only:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this token is read-only")
    return token


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, message, headers={"WWW-Authenticate": "Bearer"}
    )


ReadAccess = Depends(require_token)
WriteAccess = Depends(require_write_token)
