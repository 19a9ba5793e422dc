"""/api/v1/status-pages: define the public status pages and the monitors they show."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from upwatch.domain.status_pages import StatusPageSpec
from upwatch.services import status_pages
from upwatch.store.tables import StatusPageRow
from upwatch.web.deps import ReadAccess, RuntimeDep, SessionDep, WriteAccess
from upwatch.web.runtime import Runtime
from upwatch.web.status.cache import PublicCacheDep

router = APIRouter(prefix="/api/v1/status-pages", tags=["status pages"])
PageBody = Annotated[StatusPageSpec, Body()]


async def _document(runtime: Runtime, session: SessionDep, row: StatusPageRow) -> dict[str, Any]:
    groups = await status_pages.layout(session=session, page_id=row.id)
    return {
        "id": row.id,
        "slug": row.slug,
        "title": row.title,
        "description": row.description,
        "custom_domain": row.custom_domain,
        "public": row.public,
        "url": f"{runtime.settings.base_url}/status/{row.slug}",
        "groups": [
            {
                "name": placed.group.name,
                "monitors": [
                    {
                        "monitor_id": c.component.monitor_id,
                        "display_name": c.component.display_name,
                    }
                    for c in placed.components
                ],
            }
            for placed in groups
        ],
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=[WriteAccess])
async def create_status_page(
    spec: PageBody, runtime: RuntimeDep, session: SessionDep, cache: PublicCacheDep
) -> dict[str, Any]:
    """`{"slug", "title", "monitors": [ids]}` or `{"slug", "title", "groups": [{"name",
    "monitors": [ids]}]}`; a monitor is an id or `{"monitor_id", "display_name"}`."""
    row = await status_pages.create_page(session=session, spec=spec, now=runtime.clock())
    document = await _document(runtime, session, row)
    await session.commit()
    cache.forget_pages()
    return document


@router.get("", dependencies=[ReadAccess])
async def list_status_pages(
    runtime: RuntimeDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    rows, total = await status_pages.list_pages(session=session, limit=limit, offset=offset)
    return {
        "items": [await _document(runtime, session, row) for row in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.get("/{page_id}", dependencies=[ReadAccess])
async def get_status_page(page_id: int, runtime: RuntimeDep, session: SessionDep) -> dict[str, Any]:
    row = await status_pages.get_page(session=session, page_id=page_id)
    return await _document(runtime, session, row)


@router.put("/{page_id}", dependencies=[WriteAccess])
async def replace_status_page(
    page_id: int, spec: PageBody, runtime: RuntimeDep, session: SessionDep, cache: PublicCacheDep
) -> dict[str, Any]:
    return await _replace(page_id, spec, runtime, session, cache)


@router.patch("/{page_id}", dependencies=[WriteAccess])
async def patch_status_page(
    page_id: int,
    changes: Annotated[dict[str, Any], Body(description="Fields to change.")],
    runtime: RuntimeDep,
    session: SessionDep,
    cache: PublicCacheDep,
) -> dict[str, Any]:
    """Unnamed fields keep their values; `monitors` or `groups` replaces the whole layout."""
    current = await _document(
        runtime, session, await status_pages.get_page(session=session, page_id=page_id)
    )
    merged = {key: current[key] for key in StatusPageSpec.model_fields if key in current}
    if "monitors" in changes:
        merged.pop("groups")
    merged.update(changes)
    return await _replace(page_id, StatusPageSpec.model_validate(merged), runtime, session, cache)


async def _replace(
    page_id: int,
    spec: StatusPageSpec,
    runtime: Runtime,
    session: SessionDep,
    cache: PublicCacheDep,
) -> dict[str, Any]:
    row = await status_pages.replace_page(
        session=session, page_id=page_id, spec=spec, now=runtime.clock()
    )
    document = await _document(runtime, session, row)
    await session.commit()
    cache.forget_pages()
    return document


@router.delete("/{page_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[WriteAccess])
async def delete_status_page(page_id: int, session: SessionDep, cache: PublicCacheDep) -> Response:
    await status_pages.delete_page(session=session, page_id=page_id)
    await session.commit()
    cache.forget_pages()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
