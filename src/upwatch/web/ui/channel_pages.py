"""Notification channels: the list with each one's health, a form per kind, "send test"."""

import types
import typing
from typing import Any

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import SecretStr, ValidationError

from upwatch.notifiers.registry import CHANNEL_MODELS, parse_channel
from upwatch.notifiers.secrets import SecretBox
from upwatch.secret_key import secret_key_for
from upwatch.services import channels
from upwatch.web.api import channels as channels_api
from upwatch.web.deps import SessionDep
from upwatch.web.errors import problems
from upwatch.web.ui.auth import Editor, Member, Visitor, get_visitor
from upwatch.web.ui.form_values import GENERAL, FormField, field_errors_for, parse_headers, text_of
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
    values = {f.name: text_of(form, f.name) for f in fields} | {"name": text_of(form, "name")}
    document: dict[str, Any] = {"kind": kind}
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
    config = None
    if not errors:
        try:
            config = parse_channel(document)
        except ValidationError as exc:
            known = {f.name for f in fields} | {"kind"}
            errors = field_errors_for(problems(exc.errors()), known)
    if config is None:
        return _form(visitor, kind=kind, values=values, errors=errors)
    await channels.create_channel(
        session=session,
        name=values["name"],
        config=config,
        secrets=SecretBox(secret_key_for(visitor.runtime.settings)),
        now=visitor.runtime.clock(),
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
    await channels.delete_channel(session=session, channel_id=channel_id)
    await session.commit()
    return redirect("/channels")


async def _listing(visitor: Visitor, session: SessionDep) -> dict[str, Any]:
    rows = await channels.list_channels(session=session)
    return {"channels": rows, "kinds": KIND_LABELS}


def _form(
    visitor: Visitor, *, kind: str, values: dict[str, str], errors: dict[str, str]
) -> Response:
    return render(
        visitor,
        "channels/form.html",
        {
            "kind": kind,
            "kinds": KIND_LABELS,
            "fields": channel_fields(kind),
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
