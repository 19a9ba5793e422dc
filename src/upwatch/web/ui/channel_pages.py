"""Notification channels: the list with each one's health, a form per kind to create or edit
one, "send test"."""

import dataclasses
import types
import typing
from typing import Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import SecretStr, ValidationError

from upwatch.errors import ValidationFailedError
from upwatch.notifiers.registry import CHANNEL_MODELS, parse_channel
from upwatch.notifiers.secrets import SecretBox, redact
from upwatch.secret_key import secret_key_for
from upwatch.services import channels
from upwatch.store.tables import ChannelRow
from upwatch.web.api import channels as channels_api
from upwatch.web.deps import SessionDep
from upwatch.web.errors import problems
from upwatch.web.ui.auth import Editor, Member, Visitor, get_visitor
from upwatch.web.ui.form_values import (
    GENERAL,
    FormField,
    field_errors_for,
    parse_headers,
    text_of,
)
from upwatch.web.ui.signin import redirect
from upwatch.web.ui.templating import render

router = APIRouter(prefix="/channels", dependencies=[Depends(get_visitor)], include_in_schema=False)
KIND_LABELS = {
    "apprise": "Apprise URL (Slack, Teams, Telegram, ntfy, …)",
    "webhook": "Signed webhook",
    "email": "E-mail",
    "sns": "AWS SNS topic",
}


def channel_fields(kind: str) -> tuple[FormField, ...]:
    """One form field per config field of the kind's model, shaped by its type."""
    model = CHANNEL_MODELS[kind]
    fields = []
    for name, info in model.model_fields.items():
        if name == "kind":
            continue
        annotation = _without_none(info.annotation)
        origin = typing.get_origin(annotation)
        widget: Any = "lines" if origin is list else "headers" if origin is dict else "text"
        fields.append(
            FormField(
                name,
                name.replace("_", " ").capitalize(),
                widget,
                help=info.description or _HELP.get(widget, ""),
                secret=annotation is SecretStr,
            )
        )
    return tuple(fields)


_HELP = {"lines": "One per line.", "headers": "One per line: Name: value"}


def _without_none(annotation: Any) -> Any:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


@router.get("")
async def channels_page(visitor: Member, session: SessionDep) -> Response:
    return render(visitor, "channels/list.html", await _listing(visitor, session))


@router.get("/new")
async def new_channel(visitor: Editor, kind: str = "webhook") -> Response:
    kind = kind if kind in CHANNEL_MODELS else "webhook"
    return _form(visitor, kind=kind, values={}, errors={})


@router.post("")
async def create_channel(request: Request, visitor: Editor, session: SessionDep) -> Response:
    form = await request.form()
    kind = text_of(form, "kind")
    if kind not in CHANNEL_MODELS:
        return _form(visitor, kind="webhook", values={}, errors={"kind": "choose a kind"})
    fields = channel_fields(kind)
    values, document, errors = _read(form, fields)
    config = None
    if not errors:
        try:
            config = parse_channel({"kind": kind, **document})
        except ValidationError as exc:
            errors = _placed(problems(exc.errors()), fields)
    if config is None:
        return _form(visitor, kind=kind, values=values, errors=errors)
    await channels.create_channel(
        session=session,
        name=values["name"],
        config=config,
        secrets=_box(visitor),
        now=visitor.runtime.clock(),
    )
    await session.commit()
    return redirect("/channels")


@router.get("/{channel_id}/edit")
async def edit_channel(channel_id: int, visitor: Editor, session: SessionDep) -> Response:
    row = await channels.get_channel(session=session, channel_id=channel_id)
    shown = redact(_box(visitor).open(row.config))
    fields = _edit_fields(row.kind)
    values = {f.name: "" if f.secret else _as_text(shown.get(f.name)) for f in fields}
    return _form(visitor, kind=row.kind, values=values | {"name": row.name}, errors={}, row=row)


@router.post("/{channel_id}")
async def update_channel(
    channel_id: int, request: Request, visitor: Editor, session: SessionDep
) -> Response:
    """The same rules as ``PUT /api/v1/channels/{id}``: secret fields left empty are kept."""
    row = await channels.get_channel(session=session, channel_id=channel_id)
    fields = _edit_fields(row.kind)
    values, document, errors = _read(await request.form(), fields)
    config = None
    if not errors:
        try:
            current = _box(visitor).open(row.config)
            config = channels.changed_config(current, document, replace=True)
        except ValidationError as exc:
            errors = _placed(problems(exc.errors()), fields)
        except ValidationFailedError as exc:
            errors = {GENERAL: exc.problems[0][1]}
    if config is None:
        return _form(visitor, kind=row.kind, values=values, errors=errors, row=row)
    await channels.update_channel(
        session=session,
        channel_id=channel_id,
        name=values["name"],
        config=config,
        secrets=_box(visitor),
    )
    await session.commit()
    return redirect("/channels")


@router.post("/{channel_id}/test")
async def send_test(channel_id: int, visitor: Editor, session: SessionDep) -> Response:
    """The same path as ``POST /api/v1/channels/{id}/test``: send now, show the answer."""
    outcome = await channels_api.test_channel(channel_id, visitor.runtime, session)
    context = {"outcome": outcome, "channel_id": channel_id}
    if visitor.request.headers.get("HX-Request"):
        return render(visitor, "channels/_test_result.html", context)
    return render(visitor, "channels/list.html", await _listing(visitor, session) | context)


@router.post("/{channel_id}/delete")
async def delete_channel(channel_id: int, visitor: Editor, session: SessionDep) -> Response:
    await channels.delete_channel(
        session=session, channel_id=channel_id, now=visitor.runtime.clock()
    )
    await session.commit()
    return redirect("/channels")


async def _listing(visitor: Visitor, session: SessionDep) -> dict[str, Any]:
    rows = await channels.list_channels(session=session)
    return {"channels": rows, "kinds": KIND_LABELS}


def _box(visitor: Visitor) -> SecretBox:
    return SecretBox(secret_key_for(visitor.runtime.settings))


def _read(
    form: Any, fields: tuple[FormField, ...]
) -> tuple[dict[str, str], dict[str, Any], dict[str, str]]:
    """What was typed (to show again), the fields given as API data, and the errors so far."""
    values = {f.name: text_of(form, f.name) for f in fields} | {"name": text_of(form, "name")}
    document: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = values[field.name]
        if not raw:
            continue
        try:
            document[field.name] = _parsed(field, raw)
        except ValueError as exc:
            errors[field.name] = str(exc)
    if not 1 <= len(values["name"]) <= 200:
        errors["name"] = "give the channel a name of 1 to 200 characters"
    return values, document, errors


def _placed(found: list[dict[str, str]], fields: tuple[FormField, ...]) -> dict[str, str]:
    return field_errors_for(found, {f.name for f in fields} | {"kind"})


def _edit_fields(kind: str) -> tuple[FormField, ...]:
    """Secrets are never shown again: their fields start empty and keep the stored value so."""
    return tuple(
        dataclasses.replace(f, help="Stored and hidden; leave empty to keep it.")
        if f.secret or f.name in CHANNEL_MODELS[kind].secret_fields
        else f
        for f in channel_fields(kind)
    )


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if isinstance(value, dict):
        return "\n".join(f"{name}: {item}" for name, item in value.items())
    return str(value)


def _form(
    visitor: Visitor,
    *,
    kind: str,
    values: dict[str, str],
    errors: dict[str, str],
    row: ChannelRow | None = None,
) -> Response:
    return render(
        visitor,
        "channels/form.html",
        {
            "channel": row,
            "kind": kind,
            "kinds": KIND_LABELS,
            "fields": _edit_fields(kind) if row else channel_fields(kind),
            "values": values,
            "errors": errors,
            "general_error": errors.get(GENERAL),
        },
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT if errors else status.HTTP_200_OK,
    )


def _parsed(field: FormField, raw: str) -> Any:
    if field.widget == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if field.widget == "headers":
        return parse_headers(raw)
    return raw
