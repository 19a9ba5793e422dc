"""Monitor forms: which fields each kind shows, and the translation between form fields and the
flat monitor document the API takes, so that both validate through the same pydantic models."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined
from starlette.datastructures import FormData

from upwatch.domain.monitors import (
    COMMON_FIELDS,
    DnsMonitor,
    HeartbeatMonitor,
    HttpMonitor,
    MonitorSpec,
    TcpMonitor,
    TlsMonitor,
    parse_monitor,
)
from upwatch.web.errors import problems
from upwatch.web.ui.form_values import (
    FormField,
    field_errors_for,
    parse_headers,
    text_of,
)

KIND_MODELS: Mapping[str, type[BaseModel]] = {
    "http": HttpMonitor,
    "tcp": TcpMonitor,
    "dns": DnsMonitor,
    "tls": TlsMonitor,
    "heartbeat": HeartbeatMonitor,
}
KIND_LABELS = {
    "http": "HTTP(S)",
    "tcp": "TCP port",
    "dns": "DNS record",
    "tls": "TLS certificate",
    "heartbeat": "Heartbeat (cron job)",
}
COMMON = (
    FormField("name", "Name"),
    FormField("interval", "Check every (seconds)", "number", "At least 10."),
    FormField("timeout", "Timeout (seconds)", "number", "Shorter than the interval."),
    FormField("retries", "Retries", "number", "Failures tolerated before DOWN."),
    FormField("tags", "Tags", "csv", "Separated by commas."),
    FormField("paused", "Paused", "checkbox"),
)
_AUTH_FIELDS = (
    FormField("auth_type", "Authentication", "select", choices=("none", "basic", "bearer")),
    FormField("auth_username", "Username (basic)"),
    FormField("auth_password", "Password (basic)", secret=True),
    FormField("auth_token", "Token (bearer)", secret=True),
)
KIND_FIELDS: Mapping[str, tuple[FormField, ...]] = {
    "http": (
        FormField("url", "URL", input_type="url", help="http:// or https://"),
        FormField(
            "method",
            "Method",
            "select",
            choices=("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"),
        ),
        FormField(
            "expect_status",
            "Accepted status codes",
            "csv",
            'Separated by commas: "200", "200-299" or "2xx".',
        ),
        FormField("headers", "Request headers", "headers", "One per line: Name: value"),
        FormField("body", "Request body", "textarea"),
        *_AUTH_FIELDS,
        FormField("follow_redirects", "Follow redirects", "checkbox"),
        FormField("max_redirects", "Most redirects", "number"),
        FormField("verify_tls", "Verify the TLS certificate", "checkbox"),
        FormField("body_contains", "Body must contain", "lines", "One text per line."),
        FormField("body_not_contains", "Body must not contain", "lines", "One text per line."),
        FormField("body_regex", "Body must match (regular expression)"),
        FormField(
            "json_assertions",
            "JSON assertions",
            "json",
            'A JSON list, e.g. [{"path": "$.status", "equals": "ok"}]',
        ),
        FormField(
            "header_assertions",
            "Header assertions",
            "json",
            'A JSON list, e.g. [{"name": "content-type", "regex": "json"}]',
        ),
        FormField(
            "degraded_after_ms",
            "Degraded after (ms)",
            "number",
            "Slower responses count as degraded.",
        ),
        FormField("tls_warning_days", "Certificate warning (days)", "number"),
        FormField("tls_critical_days", "Certificate critical (days)", "number"),
    ),
    "tcp": (
        FormField("host", "Host"),
        FormField("port", "Port", "number"),
        FormField("send", "Send after connecting", "textarea"),
        FormField("expect", "Reply must contain"),
    ),
    "dns": (
        FormField("hostname", "Name to resolve"),
        FormField(
            "record_type",
            "Record type",
            "select",
            choices=("A", "AAAA", "CNAME", "MX", "TXT", "NS"),
        ),
        FormField(
            "expected", "Expected values", "lines", "One per line; all must be in the answer."
        ),
        FormField("resolver", "Resolver", help="IP or IP:port; empty for the system resolver."),
    ),
    "tls": (
        FormField("host", "Host"),
        FormField("port", "Port", "number"),
        FormField("sni", "Server name (SNI)", help="Empty: the host."),
        FormField("verify", "Verify chain and name", "checkbox"),
        FormField("warning_days", "Warning (days before expiry)", "number"),
        FormField("critical_days", "Critical (days before expiry)", "number"),
    ),
    "heartbeat": (
        FormField("period", "Period (seconds)", "number", "Either a period or a cron expression."),
        FormField("cron", "Cron expression", help='e.g. "0 3 * * *"'),
        FormField("timezone", "Time zone (for cron)"),
        FormField("grace", "Grace (seconds)", "number", "Lateness tolerated."),
    ),
}
# What the form edits; anything else in a monitor (such as alert settings) is kept as it was.
_FORM_COMMON = frozenset(f.name for f in COMMON) | {"kind", "channels"}


@dataclass(frozen=True, slots=True)
class Submission:
    """A submitted form: the values to show again, and either a spec or per-field errors."""

    kind: str
    values: dict[str, Any]
    spec: MonitorSpec | None
    errors: dict[str, str]


def fields_of(kind: str) -> tuple[FormField, ...]:
    return KIND_FIELDS.get(kind, KIND_FIELDS["http"])


def defaults(kind: str) -> dict[str, Any]:
    """Form values of a new monitor of ``kind``: the models' own defaults."""
    document: dict[str, Any] = {"kind": kind}
    for name, info in KIND_MODELS[kind].model_fields.items():
        if info.default_factory is not None:
            document[name] = info.default_factory()  # type: ignore[call-arg]
        elif info.default is not PydanticUndefined:
            document[name] = info.default
    return to_form(document)


def to_form(document: Mapping[str, Any]) -> dict[str, Any]:
    """Form values from a monitor document (stored, default or cloned)."""
    kind = str(document.get("kind", "http"))
    values: dict[str, Any] = {"kind": kind, "channels": list(document.get("channels") or [])}
    for field in (*COMMON, *fields_of(kind)):
        if field.name.startswith("auth_"):
            continue
        values[field.name] = _shown(field, document.get(field.name))
    auth = document.get("auth") or {}
    values.update(
        auth_type=auth.get("type", "none"),
        auth_username=auth.get("username", ""),
        auth_password=auth.get("password", ""),
        auth_token=auth.get("token", ""),
    )
    return values


def submitted(form: FormData, *, base: Mapping[str, Any] | None = None) -> Submission:
    """Validate a submitted form with the API's own models; ``base`` is the monitor being edited
    or cloned, whose fields the form does not show are kept."""
    kind = text_of(form, "kind") or "http"
    values: dict[str, Any] = {
        "kind": kind,
        "channels": [
            int(c) for c in form.getlist("channels") if isinstance(c, str) and c.isdigit()
        ],
    }
    document: dict[str, Any] = {
        k: v for k, v in (base or {}).items() if k in COMMON_FIELDS and k not in _FORM_COMMON
    }
    document.update(kind=kind, channels=values["channels"])
    errors: dict[str, str] = {}
    if kind not in KIND_MODELS:
        errors["kind"] = "choose one of the kinds offered"
    for field in (*COMMON, *fields_of(kind)):
        raw = text_of(form, field.name, strip=field.widget != "textarea")
        values[field.name] = field.name in form if field.widget == "checkbox" else raw
        if field.name.startswith("auth_"):
            continue
        try:
            parsed = _parsed(field, raw, checked=field.name in form)
        except ValueError as exc:
            errors[field.name] = str(exc)
            continue
        if parsed is not None:
            document[field.name] = parsed
    auth = _auth(values)
    if auth:
        document["auth"] = auth
    try:
        spec = parse_monitor(document)
    except ValidationError as exc:
        # Report every field at once; a field that did not even parse keeps its own message.
        return Submission(kind, values, None, field_errors(problems(exc.errors()), kind) | errors)
    return Submission(kind, values, None if errors else spec, errors)


def field_errors(found: list[dict[str, str]], kind: str) -> dict[str, str]:
    names = {f.name for f in (*COMMON, *fields_of(kind))} | {"kind", "channels"}
    return field_errors_for(found, names)


def _parsed(field: FormField, raw: str, *, checked: bool) -> Any:
    """The document value of one field, ``None`` to leave it out (its default applies)."""
    if field.widget == "checkbox":
        return checked
    if not raw.strip():
        return None
    if field.widget == "number":
        # Not a number: hand the text on, so the models word the error as the API does.
        for convert in (int, float):
            try:
                return convert(raw)
            except ValueError:
                continue
        return raw
    if field.widget == "csv":
        return [part.strip() for part in raw.split(",") if part.strip()]
    if field.widget == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if field.widget == "headers":
        return parse_headers(raw)
    if field.widget == "json":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    return raw


def _auth(values: Mapping[str, Any]) -> dict[str, str] | None:
    kind = values.get("auth_type")
    if kind == "basic":
        return {
            "type": "basic",
            "username": values.get("auth_username", ""),
            "password": values.get("auth_password", ""),
        }
    if kind == "bearer":
        return {"type": "bearer", "token": values.get("auth_token", "")}
    return None


def _shown(field: FormField, value: Any) -> Any:
    if field.widget == "checkbox":
        return bool(value)
    if value is None:
        return ""
    if field.widget == "lines":
        return "\n".join(str(v) for v in value)
    if field.widget == "headers":
        return "\n".join(f"{k}: {v}" for k, v in dict(value).items())
    if field.widget == "json":
        return json.dumps(value, indent=2) if value else ""
    if field.widget == "csv":
        return ", ".join(str(v) for v in value)
    return str(value)
