"""Status page use cases: create, replace, delete, and the lookups the public pages need."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from upwatch.domain.status_pages import StatusPageSpec
from upwatch.errors import NotFoundError, ValidationFailedError
from upwatch.store.tables import (
    MonitorRow,
    StatusPageComponentRow,
    StatusPageGroupRow,
    StatusPageRow,
)


@dataclass(frozen=True, slots=True)
class PlacedComponent:
    component: StatusPageComponentRow
    monitor: MonitorRow

    @property
    def name(self) -> str:
        return self.component.display_name or self.monitor.name


@dataclass(frozen=True, slots=True)
class PlacedGroup:
    group: StatusPageGroupRow
    components: list[PlacedComponent]


async def create_page(
    *, session: AsyncSession, spec: StatusPageSpec, now: datetime
) -> StatusPageRow:
    await _check(session, spec, page_id=None)
    row = StatusPageRow(created_at=now)
    _write(row, spec, now)
    session.add(row)
    await _flush_unique(session)
    await _write_layout(session, row.id, spec)
    return row


async def replace_page(
    *, session: AsyncSession, page_id: int, spec: StatusPageSpec, now: datetime
) -> StatusPageRow:
    row = await get_page(session=session, page_id=page_id)
    await _check(session, spec, page_id=page_id)
    _write(row, spec, now)
    await _flush_unique(session)
    await session.execute(
        delete(StatusPageGroupRow).where(StatusPageGroupRow.status_page_id == page_id)
    )
    await _write_layout(session, page_id, spec)
    return row


async def delete_page(*, session: AsyncSession, page_id: int) -> StatusPageRow:
    row = await get_page(session=session, page_id=page_id)
    await session.delete(row)
    await session.flush()
    return row


async def get_page(*, session: AsyncSession, page_id: int) -> StatusPageRow:
    row = await session.get(StatusPageRow, page_id)
    if row is None:
        raise NotFoundError(f"status page {page_id} does not exist")
    return row


async def list_pages(
    *, session: AsyncSession, limit: int, offset: int
) -> tuple[Sequence[StatusPageRow], int]:
    total = await session.scalar(select(func.count()).select_from(StatusPageRow))
    rows = await session.scalars(
        select(StatusPageRow).order_by(StatusPageRow.id).limit(limit).offset(offset)
    )
    return rows.all(), int(total or 0)


async def find_by_slug(
    *, session: AsyncSession, slug: str, public_only: bool = True
) -> StatusPageRow | None:
    statement = select(StatusPageRow).where(StatusPageRow.slug == slug)
    if public_only:
        statement = statement.where(StatusPageRow.public.is_(True))
    return (await session.scalars(statement)).one_or_none()


async def public_domains(*, session: AsyncSession) -> dict[str, str]:
    """Every custom host name of a public page, with the slug of its page."""
    rows = await session.execute(
        select(StatusPageRow.custom_domain, StatusPageRow.slug).where(
            StatusPageRow.custom_domain.is_not(None), StatusPageRow.public.is_(True)
        )
    )
    return {domain: slug for domain, slug in rows if domain}


async def layout(*, session: AsyncSession, page_id: int) -> list[PlacedGroup]:
    """The page's groups in order, each with its components and their monitors, in two queries.

    Monitors carry only what pages show (name, status, tags) and their creation time: their
    JSON configs would cost more to decode than the rest of a page's reads together."""
    groups = (
        await session.scalars(
            select(StatusPageGroupRow)
            .where(StatusPageGroupRow.status_page_id == page_id)
            .order_by(StatusPageGroupRow.position)
        )
    ).all()
    placed = {group.id: PlacedGroup(group, []) for group in groups}
    rows = await session.execute(
        select(StatusPageComponentRow, MonitorRow)
        .join(MonitorRow, MonitorRow.id == StatusPageComponentRow.monitor_id)
        .where(StatusPageComponentRow.group_id.in_(placed))
        .options(
            load_only(
                MonitorRow.id,
                MonitorRow.name,
                MonitorRow.status,
                MonitorRow.tags,
                MonitorRow.created_at,
            )
        )
        .order_by(StatusPageComponentRow.group_id, StatusPageComponentRow.position)
    )
    for component, monitor in rows:
        placed[component.group_id].components.append(PlacedComponent(component, monitor))
    return list(placed.values())


async def is_on_public_page(*, session: AsyncSession, monitor_id: int) -> bool:
    statement = (
        select(StatusPageComponentRow.id)
        .join(StatusPageGroupRow, StatusPageGroupRow.id == StatusPageComponentRow.group_id)
        .join(StatusPageRow, StatusPageRow.id == StatusPageGroupRow.status_page_id)
        .where(StatusPageComponentRow.monitor_id == monitor_id, StatusPageRow.public.is_(True))
        .limit(1)
    )
    return (await session.scalar(statement)) is not None


def _write(row: StatusPageRow, spec: StatusPageSpec, now: datetime) -> None:
    row.slug = spec.slug
    row.title = spec.title
    row.description = spec.description
    row.custom_domain = spec.custom_domain
    row.public = spec.public
    row.updated_at = now


async def _check(session: AsyncSession, spec: StatusPageSpec, *, page_id: int | None) -> None:
    """Every problem at once: taken slug or domain, unknown or repeated monitors."""
    problems: list[tuple[str, str]] = []
    others = select(StatusPageRow.id).where(StatusPageRow.id != (page_id or 0))
    if await session.scalar(others.where(StatusPageRow.slug == spec.slug)) is not None:
        problems.append(("slug", f"the slug {spec.slug!r} is taken by another status page"))
    if spec.custom_domain is not None and (
        await session.scalar(others.where(StatusPageRow.custom_domain == spec.custom_domain))
        is not None
    ):
        problems.append(
            ("custom_domain", f"{spec.custom_domain} is the domain of another status page")
        )
    placed = [item for _, _, items in spec.placed_components() for item in items]
    wanted = {component.monitor_id for _, component in placed}
    known = (
        set(await session.scalars(select(MonitorRow.id).where(MonitorRow.id.in_(wanted))))
        if wanted
        else set()
    )
    first_seen: dict[int, str] = {}
    for field, component in placed:
        if component.monitor_id not in known:
            problems.append((field, f"monitor {component.monitor_id} does not exist"))
        elif component.monitor_id in first_seen:
            problems.append(
                (
                    field,
                    f"monitor {component.monitor_id} is already on the page at "
                    f"{first_seen[component.monitor_id]}",
                )
            )
        else:
            first_seen[component.monitor_id] = field
    if problems:
        raise ValidationFailedError(problems)


async def _flush_unique(session: AsyncSession) -> None:
    """A concurrent request may take the slug or domain between the check and the write."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise ValidationFailedError(
            [("slug", "the slug or custom domain was just taken by another status page")]
        ) from exc


async def _write_layout(session: AsyncSession, page_id: int, spec: StatusPageSpec) -> None:
    for position, name, components in spec.placed_components():
        group = StatusPageGroupRow(status_page_id=page_id, name=name, position=position)
        session.add(group)
        await session.flush()
        session.add_all(
            StatusPageComponentRow(
                group_id=group.id,
                monitor_id=component.monitor_id,
                display_name=component.display_name,
                position=index,
            )
            for index, (_, component) in enumerate(components)
        )
    await session.flush()
