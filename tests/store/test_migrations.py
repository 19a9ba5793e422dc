from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from upwatch.store.migrate import upgrade_to_head
from upwatch.store.tables import Base


async def test_migrations_build_exactly_the_tables_the_code_declares(database: AsyncEngine) -> None:
    await upgrade_to_head(database)  # a second upgrade is a no-op

    def describe(connection: Connection) -> dict[str, set[str]]:
        inspector = inspect(connection)
        return {
            table: {column["name"] for column in inspector.get_columns(table)}
            for table in inspector.get_table_names()
            if table != "alembic_version"
        }

    async with database.connect() as connection:
        actual = await connection.run_sync(describe)
    expected = {t.name: {c.name for c in t.columns} for t in Base.metadata.sorted_tables}
    assert actual == expected


async def test_results_are_keyed_by_monitor_and_schedule(database: AsyncEngine) -> None:
    def primary_key(connection: Connection) -> list[str]:
        return list(inspect(connection).get_pk_constraint("check_results")["constrained_columns"])

    async with database.connect() as connection:
        assert await connection.run_sync(primary_key) == ["monitor_id", "scheduled_at"]
