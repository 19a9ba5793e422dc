"""Form plumbing the dashboard's forms share: field descriptions, text fields, header lines,
and validation problems placed at the form field that holds them."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from starlette.datastructures import FormData

Widget = Literal[
    "text", "number", "checkbox", "select", "csv", "lines", "textarea", "json", "headers"
]
GENERAL = "_form"  # errors that belong to no single field


@dataclass(frozen=True, slots=True)
class FormField:
    name: str
    label: str
    widget: Widget = "text"
    help: str = ""
    choices: tuple[str, ...] = ()
    secret: bool = False
    input_type: str = "text"


def text_of(form: FormData, name: str, *, strip: bool = True) -> str:
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    value = value.replace("\r\n", "\n")
    return value.strip() if strip else value


def parse_headers(raw: str) -> dict[str, str]:
    """``Name: value`` lines as a mapping."""
    headers = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip():
            raise ValueError(f"line {number}: write Name: value")
        headers[name.strip()] = value.strip()
    return headers


def field_errors_for(found: Iterable[dict[str, str]], names: set[str]) -> dict[str, str]:
    """API problems (``json_assertions[0].path``, ``auth.username``) placed at the form field
    that holds them (``auth_…`` for the parts of ``auth``); the first message per field."""
    errors: dict[str, str] = {}
    for problem in found:
        path = problem["field"]
        head = path.split("[", 1)[0].split(".", 1)[0]
        if head == "auth":
            rest = path.removeprefix("auth").lstrip(".")
            head = f"auth_{rest.split('.', 1)[0] or 'type'}"
            if head not in names:
                head = "auth_type"
        target = head if head in names else GENERAL
        message = problem["message"] if path == head else f"{path}: {problem['message']}"
        errors.setdefault(target, message)
    return errors
