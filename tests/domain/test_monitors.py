from typing import Any

import pytest
from pydantic import ValidationError

from upwatch.domain.monitors import (
    DnsMonitor,
    HeartbeatMonitor,
    HttpMonitor,
    MonitorSpec,
    TcpMonitor,
    TlsMonitor,
    contacted_hosts,
    kind_fields,
    parse_monitor,
)
from upwatch.domain.status_codes import StatusCodeRange

MINIMAL: dict[str, dict[str, Any]] = {
    "http": {"kind": "http", "name": "api", "url": "https://example.com/health"},
    "tcp": {"kind": "tcp", "name": "db", "host": "db.example.com", "port": 5432},
    "dns": {"kind": "dns", "name": "dns", "hostname": "example.com"},
    "tls": {"kind": "tls", "name": "cert", "host": "example.com"},
    "heartbeat": {"kind": "heartbeat", "name": "backup", "period": 3600},
}


def _invalid(document: dict[str, Any]) -> list[tuple[tuple[int | str, ...], str, str]]:
    with pytest.raises(ValidationError) as raised:
        parse_monitor(document)
    return [(tuple(e["loc"]), e["type"], e["msg"]) for e in raised.value.errors()]


@pytest.mark.parametrize(
    ("document", "model", "expected"),
    [
        (
            MINIMAL["http"],
            HttpMonitor,
            {
                "method": "GET",
                "interval": 60,
                "timeout": 10.0,
                "retries": 0,
                "expect_status": ["200-399"],
                "follow_redirects": True,
                "tls_warning_days": 14,
                "tls_critical_days": 3,
                "paused": False,
            },
        ),
        (
            MINIMAL["http"]
            | {
                "name": "  api  ",
                "url": "http://10.0.0.5:8080/status?full=1",
                "method": "POST",
                "headers": {"Accept": "application/json"},
                "body": "{}",
                "auth": {"type": "bearer", "token": "t0ken"},
                "expect_status": ["2xx", "404"],
                "body_regex": "^ok$",
                "json_assertions": [{"path": "$.ok", "equals": True}],
                "header_assertions": [{"name": "Server", "regex": "^nginx"}],
                "degraded_after_ms": 750,
                "interval": 10,
                "timeout": 9.5,
                "retries": 20,
                "tags": ["prod"],
            },
            HttpMonitor,
            {"name": "api", "method": "POST", "interval": 10, "timeout": 9.5, "retries": 20},
        ),
        (MINIMAL["tcp"], TcpMonitor, {"port": 5432, "send": None, "expect": None}),
        (MINIMAL["tcp"] | {"host": "[2001:db8::1]", "port": 65535}, TcpMonitor, {"port": 65535}),
        (MINIMAL["dns"], DnsMonitor, {"record_type": "A", "expected": [], "resolver": None}),
        (
            MINIMAL["dns"] | {"record_type": "TXT", "resolver": "[2001:4860:4860::8888]:53"},
            DnsMonitor,
            {"record_type": "TXT"},
        ),
        (MINIMAL["tls"], TlsMonitor, {"port": 443, "warning_days": 14, "critical_days": 3}),
        (
            MINIMAL["tls"] | {"warning_days": 7, "critical_days": 7},
            TlsMonitor,
            {"critical_days": 7},
        ),
        (MINIMAL["heartbeat"], HeartbeatMonitor, {"cron": None, "timezone": "UTC", "grace": 60}),
        (
            MINIMAL["heartbeat"]
            | {"period": None, "cron": "0 3 * * 1-5", "timezone": "Europe/Berlin", "grace": 0},
            HeartbeatMonitor,
            {"period": None, "timezone": "Europe/Berlin"},
        ),
    ],
    ids=[
        "http",
        "http in full",
        "tcp",
        "tcp on ipv6",
        "dns",
        "dns in full",
        "tls",
        "tls equal thresholds",
        "heartbeat period",
        "heartbeat cron",
    ],
)
def test_valid_monitors_of_every_kind(
    document: dict[str, Any], model: type[MonitorSpec], expected: dict[str, Any]
) -> None:
    spec = parse_monitor(document)

    assert type(spec) is model
    assert {field: getattr(spec, field) for field in expected} == expected


FIELD_ERRORS = [
    ({"interval": 9}, ("http", "interval"), "greater_than_equal"),
    ({"interval": 86_401, "timeout": 5}, ("http", "interval"), "less_than_equal"),
    ({"timeout": 0}, ("http", "timeout"), "greater_than"),
    ({"retries": 21}, ("http", "retries"), "less_than_equal"),
    ({"name": "   "}, ("http", "name"), "string_too_short"),
    ({"tags": ["ok", ""]}, ("http", "tags", 1), "string_too_short"),
    ({"colour": "red"}, ("http", "colour"), "extra_forbidden"),
    ({"url": "ftp://example.com/"}, ("http", "url"), "url_scheme"),
    ({"method": "FETCH"}, ("http", "method"), "literal_error"),
    ({"body_regex": "(unclosed"}, ("http", "body_regex"), "value_error"),
    ({"expect_status": ["200", "700"]}, ("http", "expect_status"), "value_error"),
    ({"expect_status": []}, ("http", "expect_status"), "value_error"),
    ({"degraded_after_ms": 0}, ("http", "degraded_after_ms"), "greater_than"),
    ({"auth": {"type": "digest"}}, ("http", "auth"), "union_tag_invalid"),
    (
        {"json_assertions": [{"path": "$.ok", "equals": 1}, {"path": "$[", "equals": 1}]},
        ("http", "json_assertions", 1, "path"),
        "value_error",
    ),
    ({"json_assertions": [{"path": "$.ok"}]}, ("http", "json_assertions", 0), "value_error"),
    (
        {"header_assertions": [{"name": "Server", "regex": "["}]},
        ("http", "header_assertions", 0),
        "value_error",
    ),
    (
        {"header_assertions": [{"name": "Server", "equals": "a", "regex": "a"}]},
        ("http", "header_assertions", 0),
        "value_error",
    ),
]


@pytest.mark.parametrize(("overrides", "loc", "error_type"), FIELD_ERRORS)
def test_invalid_http_fields_are_named(
    overrides: dict[str, Any], loc: tuple[int | str, ...], error_type: str
) -> None:
    ((error_loc, actual_type, _),) = _invalid(MINIMAL["http"] | overrides)

    assert (error_loc, actual_type) == (loc, error_type)


@pytest.mark.parametrize(
    ("document", "loc", "message"),
    [
        (
            MINIMAL["http"] | {"body_regex": "(unclosed"},
            ("http", "body_regex"),
            "Value error, invalid regular expression: missing ), unterminated subpattern at "
            "position 0",
        ),
        (
            MINIMAL["http"] | {"expect_status": ["700"]},
            ("http", "expect_status"),
            "Value error, '700' is not a range of status codes between 100 and 599",
        ),
        (
            MINIMAL["http"] | {"expect_status": ["20x"]},
            ("http", "expect_status"),
            "Value error, '20x' is not a status code, range (200-299) or class (2xx)",
        ),
        (
            MINIMAL["http"] | {"json_assertions": [{"path": "$.a | $.b", "equals": 1}]},
            ("http", "json_assertions", 0, "path"),
            "Value error, compound JSONPath expressions are not supported",
        ),
        (
            MINIMAL["tcp"] | {"port": 0},
            ("tcp", "port"),
            "Input should be greater than or equal to 1",
        ),
        (
            MINIMAL["tcp"] | {"host": "db.example.com; rm -rf /"},
            ("tcp", "host"),
            "String should match pattern '^[A-Za-z0-9_.:\\-\\[\\]]{1,253}$'",
        ),
        (
            MINIMAL["dns"] | {"record_type": "SRV"},
            ("dns", "record_type"),
            "Input should be 'A', 'AAAA', 'CNAME', 'MX', 'TXT' or 'NS'",
        ),
        (
            MINIMAL["dns"] | {"resolver": "1.1.1.1:99999"},
            ("dns", "resolver"),
            "Value error, '1.1.1.1:99999' is not an address with an optional port",
        ),
        (
            MINIMAL["dns"] | {"resolver": "[2001:db8::1]:dns"},
            ("dns", "resolver"),
            "Value error, '[2001:db8::1]:dns' is not an address with an optional port",
        ),
        (
            MINIMAL["heartbeat"] | {"period": None, "cron": "61 * * * *"},
            ("heartbeat", "cron"),
            "Value error, invalid cron expression: Bad minute",
        ),
        (
            MINIMAL["heartbeat"] | {"period": None, "cron": "* * *"},
            ("heartbeat", "cron"),
            "Value error, invalid cron expression: Wrong number of fields",
        ),
        (
            MINIMAL["heartbeat"] | {"timezone": "Europe/Atlantis"},
            ("heartbeat", "timezone"),
            "Value error, unknown time zone 'Europe/Atlantis'",
        ),
        (
            MINIMAL["heartbeat"] | {"timezone": "../../etc/passwd"},
            ("heartbeat", "timezone"),
            "Value error, unknown time zone '../../etc/passwd'",
        ),
        (
            MINIMAL["heartbeat"] | {"period": 9},
            ("heartbeat", "period"),
            "Input should be greater than or equal to 10",
        ),
        (
            MINIMAL["tls"] | {"unknown": 1},
            ("tls", "unknown"),
            "Extra inputs are not permitted",
        ),
    ],
)
def test_invalid_fields_of_each_kind_are_named_with_a_reason(
    document: dict[str, Any], loc: tuple[int | str, ...], message: str
) -> None:
    ((error_loc, _, error_message),) = _invalid(document)

    assert (error_loc, error_message) == (loc, message)


@pytest.mark.parametrize(
    ("document", "loc", "message"),
    [
        (
            MINIMAL["http"] | {"interval": 30, "timeout": 30},
            ("http", "timeout"),
            "Value error, timeout must be shorter than interval",
        ),
        (
            MINIMAL["tcp"] | {"interval": 10, "timeout": 10.5},
            ("tcp", "timeout"),
            "Value error, timeout must be shorter than interval",
        ),
        (  # the default timeout (10 s) must fit too, or the stored monitor could not be read
            MINIMAL["http"] | {"interval": 10},
            ("http", "timeout"),
            "Value error, timeout must be shorter than interval",
        ),
        (
            MINIMAL["heartbeat"] | {"cron": "0 3 * * *"},
            ("heartbeat",),
            "Value error, give exactly one of period or cron",
        ),
        (
            MINIMAL["heartbeat"] | {"period": None},
            ("heartbeat",),
            "Value error, give exactly one of period or cron",
        ),
        (
            MINIMAL["tls"] | {"warning_days": 3, "critical_days": 4},
            ("tls", "critical_days"),
            "Value error, critical days must not exceed warning days",
        ),
        (
            MINIMAL["http"] | {"tls_warning_days": 0, "tls_critical_days": 1},
            ("http", "tls_critical_days"),
            "Value error, critical days must not exceed warning days",
        ),
    ],
)
def test_rules_across_fields_are_reported_on_the_field_that_breaks_them(
    document: dict[str, Any], loc: tuple[str, ...], message: str
) -> None:
    assert _invalid(document) == [(loc, "value_error", message)]


@pytest.mark.parametrize(
    ("document", "error_type"),
    [
        ({"kind": "ftp", "name": "x"}, "union_tag_invalid"),
        ({"name": "x", "url": "https://example.com/"}, "union_tag_not_found"),
        ({"kind": "HTTP", "name": "x", "url": "https://example.com/"}, "union_tag_invalid"),
    ],
)
def test_an_unknown_or_missing_kind_is_refused(document: dict[str, Any], error_type: str) -> None:
    ((loc, actual_type, _),) = _invalid(document)

    assert (loc, actual_type) == ((), error_type)


def test_a_missing_required_field_is_named() -> None:
    assert [(loc, kind) for loc, kind, _ in _invalid({"kind": "tcp", "name": "db"})] == [
        (("tcp", "host"), "missing"),
        (("tcp", "port"), "missing"),
    ]


def test_monitors_are_immutable() -> None:
    spec = parse_monitor(MINIMAL["tcp"])
    assert isinstance(spec, TcpMonitor)

    with pytest.raises(ValidationError, match="frozen"):
        spec.port = 1  # type: ignore[misc]


def test_accepted_status_parses_the_expectations() -> None:
    spec = parse_monitor(MINIMAL["http"] | {"expect_status": ["2xx", "418"]})

    assert isinstance(spec, HttpMonitor)
    assert spec.accepted_status == (StatusCodeRange(200, 299), StatusCodeRange(418, 418))


def test_kind_fields_leave_out_the_common_ones() -> None:
    spec = parse_monitor(MINIMAL["tcp"] | {"interval": 30, "tags": ["db"], "send": "PING"})

    assert kind_fields(spec) == {
        "host": "db.example.com",
        "port": 5432,
        "send": "PING",
        "expect": None,
    }


@pytest.mark.parametrize(
    ("document", "field", "value"),
    [
        (MINIMAL["tcp"], "send", "PING\r\n"),
        (MINIMAL["tcp"], "expect", "+PONG\r\n"),
        (MINIMAL["http"], "body", "name=value\n"),
    ],
)
def test_payloads_keep_their_whitespace(document: dict[str, Any], field: str, value: str) -> None:
    assert getattr(parse_monitor(document | {field: value}), field) == value


@pytest.mark.parametrize(
    ("document", "hosts"),
    [
        (MINIMAL["http"], [("url", "example.com")]),
        (MINIMAL["http"] | {"url": "http://[2001:db8::1]:8080/"}, [("url", "[2001:db8::1]")]),
        (MINIMAL["tcp"], [("host", "db.example.com")]),
        (MINIMAL["tls"], [("host", "example.com")]),
        (MINIMAL["dns"], []),
        (MINIMAL["dns"] | {"resolver": "10.0.0.2:5353"}, [("resolver", "10.0.0.2")]),
        (MINIMAL["dns"] | {"resolver": "[fd00::53]"}, [("resolver", "fd00::53")]),
        (MINIMAL["heartbeat"], []),
    ],
)
def test_contacted_hosts(document: dict[str, Any], hosts: list[tuple[str, str]]) -> None:
    assert contacted_hosts(parse_monitor(document)) == hosts
