"""Errors as JSON: a message, and for invalid input one entry per field with its path."""

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from upwatch.domain.monitors import MONITOR_KINDS
from upwatch.errors import NotFoundError, ValidationFailedError
from upwatch.notifiers.registry import CHANNEL_MODELS

# Pydantic puts the discriminator's value first in the path of a tagged union; users never
# wrote it, so it is left out.
_UNION_TAGS = MONITOR_KINDS | frozenset(CHANNEL_MODELS)
_TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})


def field_path(loc: Sequence[int | str], error_type: str = "") -> str:
    """``("body", "http", "json_assertions", 0, "path")`` becomes ``json_assertions[0].path``."""
    if error_type in _TAG_ERRORS:
        return "kind"
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    if parts and parts[0] in _UNION_TAGS:
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "body"


def problems(errors: Sequence[Any]) -> list[dict[str, str]]:
    return [
        {
            "field": field_path(error["loc"], error["type"]),
            "message": str(error["msg"]).removeprefix("Value error, "),
            "type": error["type"],
        }
        for error in errors
    ]


def validation_response(details: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"error": "invalid input", "detail": details},
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _request_invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_response(problems(exc.errors()))

    @app.exception_handler(ValidationError)
    async def _model_invalid(_: Request, exc: ValidationError) -> JSONResponse:
        return validation_response(problems(exc.errors()))

    @app.exception_handler(ValidationFailedError)
    async def _service_invalid(_: Request, exc: ValidationFailedError) -> JSONResponse:
        return validation_response(
            [{"field": f, "message": m, "type": "value_error"} for f, m in exc.problems]
        )

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(status_code=status.HTTP_404_NOT_FOUND, content={"error": str(exc)})
