"""Ids in a request beyond what the id columns hold: refused before any query.

PostgreSQL answers a query for an id past its INTEGER range with an error, not with no row, so
``/api/v1/monitors/2147483648`` would be a 500 instead of a 404.
"""

from fastapi import Request

from upwatch.errors import NotFoundError, ValidationFailedError
from upwatch.store.types import MAX_ID


def ids_in_range(request: Request) -> None:
    """An app-wide dependency: a path id past the range names nothing (404); a query id past it
    is invalid input (422)."""
    for name, value in request.path_params.items():
        if name.endswith("_id") and _beyond_range(value):
            raise NotFoundError(f"no {name.removesuffix('_id')} with id {value}")
    for name, value in request.query_params.multi_items():
        if name.endswith("_id") and _beyond_range(value):
            raise ValidationFailedError([(name, f"must be at most {MAX_ID}")])


def _beyond_range(value: object) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > MAX_ID
