"""The fleet api's app as each process of ``upwatch api --workers N`` builds it.

uvicorn starts those processes afresh and imports this factory in each: settings and logging
come from the environment, as in the parent that checked them, and everything per process
(token snapshot, broker publisher, database pool) is set up in each one's lifespan.
"""

from fastapi import FastAPI

from upwatch.engine.long_lived import tune_collector
from upwatch.logs import configure_logging
from upwatch.settings import get_settings
from upwatch.web.app import create_app

FACTORY = f"{__name__}:create_api_app"


def create_api_app() -> FastAPI:
    settings = get_settings()
    configure_logging(
        level=settings.log_level,
        fmt=settings.log_format,
        file=None,
        file_keep_days=settings.log_file_keep_days,
    )
    app = create_app(settings, role="api")
    tune_collector()  # as ``upwatch serve`` does
    return app
