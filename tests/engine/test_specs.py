import gc

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.conftest import Clock
from tests.factories import http_spec
from upwatch.engine import long_lived
from upwatch.engine.specs import SpecCache
from upwatch.services.monitors import create_monitor
from upwatch.store.tables import MonitorRow


async def test_specs_parsed_in_numbers_are_frozen_out_of_the_collectors_full_passes(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
    unfrozen: None,
) -> None:
    monkeypatch.setattr(long_lived, "FREEZE_AFTER", 3)
    async with sessions.begin() as session:
        for number in range(4):
            await create_monitor(session=session, spec=http_spec(name=f"m{number}"), now=clock())
    async with sessions() as session:
        rows = (await session.execute(select(MonitorRow.id, MonitorRow.updated_at))).all()
        stamps = [(monitor_id, updated_at) for monitor_id, updated_at in rows]
        cache = SpecCache()
        frozen = gc.get_freeze_count()

        await cache.load(session, stamps[:2])
        assert gc.get_freeze_count() == frozen
        await cache.load(session, stamps[:2])  # kept: not parsed
        assert gc.get_freeze_count() == frozen
        loaded = await cache.load(session, stamps)

    assert gc.get_freeze_count() > frozen
    assert {spec.name for spec in loaded.values() if spec} == {"m0", "m1", "m2", "m3"}
