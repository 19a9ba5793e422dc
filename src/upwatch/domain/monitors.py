"""Monitor configuration: one typed, validated model per kind, discriminated by ``kind``."""

import re
from typing import Annotated, Literal, Self, get_args

from cronsim import CronSim, CronSimError
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    field_validator,
    model_validator,
)

from upwatch.domain.policies import AlertSettings
from upwatch.domain.status_codes import StatusCodeRange, parse_status_ranges
from upwatch.domain.zones import TimeZoneName

MIN_INTERVAL_SECONDS = 10
HOSTNAME_PATTERN = r"^[A-Za-z0-9_.:\-\[\]]{1,253}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Names and addresses are trimmed; payloads (bodies, TCP send/expect) keep every byte.
Trimmed = Annotated[str, StringConstraints(strip_whitespace=True)]
Host = Annotated[str, StringConstraints(strip_whitespace=True, pattern=HOSTNAME_PATTERN)]


class MonitorBase(_Strict):
    name: Trimmed = Field(min_length=1, max_length=200)
    interval: int = Field(60, ge=MIN_INTERVAL_SECONDS, le=86_400, description="Seconds.")
    # Validated when defaulted too: the default must also be shorter than a short interval.
    timeout: float = Field(
        10.0, gt=0, le=120, validate_default=True, description="Seconds for one check."
    )
    retries: int = Field(0, ge=0, le=20, description="Failures tolerated before DOWN.")
    tags: list[Annotated[Trimmed, Field(min_length=1, max_length=64)]] = Field(default_factory=list)
    paused: bool = False
    channels: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list, description="Ids of the notification channels to alert."
    )
    alerts: AlertSettings | None = Field(
        None, description="Events, re-notify and escalation; unset fields come from tag policies."
    )
    depends_on: list[Annotated[int, Field(ge=1)]] = Field(
        default_factory=list,
        description="Ids of monitors this one needs; while one is down, this one does not alert.",
    )

    @field_validator("timeout")
    @classmethod
    def _timeout_fits_interval(cls, timeout: float, info: ValidationInfo) -> float:
        interval = info.data.get("interval")
        if interval is not None and timeout >= interval:
            raise ValueError("timeout must be shorter than interval")
        return timeout


class BasicAuth(_Strict):
    type: Literal["basic"]
    username: str
    password: str


class BearerAuth(_Strict):
    type: Literal["bearer"]
    token: str = Field(min_length=1)


class JsonAssertion(_Strict):
    path: str = Field(min_length=1, description="A JSONPath expression, e.g. $.status")
    equals: str | int | float | bool | None = None
    contains: str | int | float | bool | None = None

    @model_validator(mode="after")
    def _one_expectation(self) -> Self:
        if (self.equals is None) == (self.contains is None):
            raise ValueError("give exactly one of equals or contains")
        return self

    @field_validator("path")
    @classmethod
    def _compiles(cls, value: str) -> str:
        from upwatch.domain.assertions import compile_json_path

        compile_json_path(value)
        return value


class HeaderAssertion(_Strict):
    name: str = Field(min_length=1)
    equals: str | None = None
    regex: str | None = None

    @model_validator(mode="after")
    def _one_expectation(self) -> Self:
        if (self.equals is None) == (self.regex is None):
            raise ValueError("give exactly one of equals or regex")
        if self.regex is not None:
            _compile(self.regex)
        return self


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from exc


class HttpMonitor(MonitorBase):
    kind: Literal["http"]
    url: AnyHttpUrl
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = Field(None, max_length=65_536)
    auth: Annotated[BasicAuth | BearerAuth, Field(discriminator="type")] | None = None
    follow_redirects: bool = True
    max_redirects: int = Field(10, ge=0, le=30)
    verify_tls: bool = True
    expect_status: list[str] = Field(
        default_factory=lambda: ["200-399"],
        description='Accepted status codes: "200", "200-299" or "2xx".',
    )
    body_contains: list[str] = Field(default_factory=list)
    body_not_contains: list[str] = Field(default_factory=list)
    body_regex: str | None = None
    json_assertions: list[JsonAssertion] = Field(default_factory=list)
    header_assertions: list[HeaderAssertion] = Field(default_factory=list)
    degraded_after_ms: int | None = Field(
        None, gt=0, description="Response time above which the monitor is degraded."
    )
    tls_warning_days: int = Field(14, ge=0, le=365)
    tls_critical_days: int = Field(3, ge=0, le=365)

    @field_validator("expect_status", mode="before")
    @classmethod
    def _codes_as_text(cls, value: object) -> object:
        # YAML users write `- 404` unquoted.
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        return value

    @field_validator("expect_status")
    @classmethod
    def _status_ranges(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("accept at least one status code")
        parse_status_ranges(value)
        return value

    @field_validator("body_regex")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            _compile(value)
        return value

    @field_validator("tls_critical_days")
    @classmethod
    def _tls_thresholds(cls, critical: int, info: ValidationInfo) -> int:
        return _critical_within_warning(critical, info.data.get("tls_warning_days"))

    @property
    def accepted_status(self) -> tuple[StatusCodeRange, ...]:
        return parse_status_ranges(self.expect_status)


class TcpMonitor(MonitorBase):
    kind: Literal["tcp"]
    host: Host
    port: int = Field(ge=1, le=65535)
    send: str | None = Field(None, max_length=4096, description="Text sent after connecting.")
    expect: str | None = Field(None, max_length=4096, description="Text the reply must contain.")


class DnsMonitor(MonitorBase):
    kind: Literal["dns"]
    hostname: Host = Field(description="The name to resolve.")
    record_type: Literal["A", "AAAA", "CNAME", "MX", "TXT", "NS"] = "A"
    expected: list[str] = Field(
        default_factory=list, description="Values that must all be in the answer."
    )
    resolver: str | None = Field(
        None, description="Nameserver as IP or IP:port; default is the system resolver."
    )

    @field_validator("resolver")
    @classmethod
    def _resolver_address(cls, value: str | None) -> str | None:
        if value is not None:
            from upwatch.domain.targets import literal_address, parse_host_port

            host, _ = parse_host_port(value, default_port=53)
            if literal_address(host) is None:
                raise ValueError("the resolver must be an IP address, optionally with a port")
        return value


class TlsMonitor(MonitorBase):
    kind: Literal["tls"]
    host: Host
    port: int = Field(443, ge=1, le=65535)
    sni: Trimmed | None = Field(None, description="Server name to send; default is host.")
    verify: bool = Field(True, description="Fail when the chain or name does not verify.")
    warning_days: int = Field(14, ge=0, le=365)
    critical_days: int = Field(3, ge=0, le=365)

    @field_validator("critical_days")
    @classmethod
    def _thresholds(cls, critical: int, info: ValidationInfo) -> int:
        return _critical_within_warning(critical, info.data.get("warning_days"))


class HeartbeatMonitor(MonitorBase):
    kind: Literal["heartbeat"]
    period: int | None = Field(None, ge=10, le=31 * 86_400, description="Seconds between pings.")
    cron: str | None = Field(None, description="Cron expression of the expected runs.")
    timezone: TimeZoneName = "UTC"
    grace: int = Field(60, ge=0, le=7 * 86_400, description="Seconds of lateness tolerated.")

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from datetime import datetime

        try:
            CronSim(value, datetime(2000, 1, 1))
        except CronSimError as exc:
            raise ValueError(f"invalid cron expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _period_or_cron(self) -> Self:
        if (self.period is None) == (self.cron is None):
            raise ValueError("give exactly one of period or cron")
        return self


def _critical_within_warning(critical: int, warning: int | None) -> int:
    if warning is not None and critical > warning:
        raise ValueError("critical days must not exceed warning days")
    return critical


MonitorSpec = Annotated[
    HttpMonitor | TcpMonitor | DnsMonitor | TlsMonitor | HeartbeatMonitor,
    Field(discriminator="kind"),
]
MONITOR_KINDS = frozenset(
    get_args(model.model_fields["kind"].annotation)[0]
    for model in (HttpMonitor, TcpMonitor, DnsMonitor, TlsMonitor, HeartbeatMonitor)
)
MONITOR_SPEC: TypeAdapter[MonitorSpec] = TypeAdapter(MonitorSpec)
COMMON_FIELDS = frozenset(MonitorBase.model_fields) | {"kind"}


def parse_monitor(data: object) -> MonitorSpec:
    """Validate a flat monitor document; raises pydantic's ``ValidationError``."""
    return MONITOR_SPEC.validate_python(data)


def kind_fields(spec: MonitorSpec) -> dict[str, object]:
    """The kind-specific part of a monitor as JSON-ready data."""
    return spec.model_dump(mode="json", exclude=set(COMMON_FIELDS))


def contacted_hosts(spec: MonitorSpec) -> list[tuple[str, str]]:
    """The hosts a monitor makes Upwatch contact, each with the field that names it."""
    if isinstance(spec, HttpMonitor):
        return [("url", spec.url.host or "")]
    if isinstance(spec, TcpMonitor | TlsMonitor):
        return [("host", spec.host)]
    if isinstance(spec, DnsMonitor) and spec.resolver:
        from upwatch.domain.targets import parse_host_port

        return [("resolver", parse_host_port(spec.resolver, default_port=53)[0])]
    return []
