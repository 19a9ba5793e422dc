"""Schema migrations with Alembic, run on an engine Upwatch already has."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from upwatch.errors import ConfigurationError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


async def upgrade_to_head(engine: AsyncEngine) -> None:
    def run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, "head")
        except CommandError as exc:
            # Above all when the database names a revision this version does not ship: a
            # newer Upwatch migrated it (or it was restored from a newer one's backup).
            raise ConfigurationError(
                f"the database's schema is not one this upwatch knows ({exc}); it was "
                "migrated by a newer upwatch: run that version, or restore a backup made "
                "by this one"
            ) from exc

    async with engine.begin() as connection:
        await connection.run_sync(run)
