"""Structured logs: JSON lines for machines (CloudWatch), or readable lines for people.

`serve` can also keep a log file of its own, rotated at midnight UTC, for hosts without a log
collector.
"""

import logging
import sys
from logging.handlers import TimedRotatingFileHandler
from pathlib import Path

import structlog

_SHARED: list[structlog.types.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def configure_logging(
    *, level: str, fmt: str, file: Path | None = None, file_keep_days: int = 7
) -> None:
    """Log to stderr in ``fmt``; with ``file``, also JSON lines there, one file per UTC day."""
    structlog.configure(
        processors=[*_SHARED, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(
        _formatter(
            structlog.processors.JSONRenderer()
            if fmt == "json"
            else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        )
    )
    handlers: list[logging.Handler] = [console]
    if file is not None:
        handlers.append(daily_file_handler(file, keep_days=file_keep_days))
    root = logging.getLogger()
    for old in root.handlers:
        if isinstance(old, logging.FileHandler):
            old.close()  # configured again (tests, `serve` after the CLI): release the file
    root.handlers = handlers
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def daily_file_handler(file: Path, *, keep_days: int) -> TimedRotatingFileHandler:
    """JSON lines into ``file``; at midnight UTC it becomes ``file.YYYY-MM-DD`` and a new one
    starts. Rotated files beyond ``keep_days`` are deleted."""
    file.parent.mkdir(parents=True, exist_ok=True)
    handler = TimedRotatingFileHandler(
        file, when="midnight", backupCount=keep_days, utc=True, encoding="utf-8"
    )
    handler.setFormatter(_formatter(structlog.processors.JSONRenderer()))
    return handler


def _formatter(renderer: structlog.types.Processor) -> structlog.stdlib.ProcessorFormatter:
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
