from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upwatch.domain.monitors import HttpMonitor, parse_monitor
from upwatch.errors import ConfigurationError, FileProblem, MonitorFileError
from upwatch.monitor_files import dump_monitor_file, load_monitor_file

EVERY_KIND: list[dict[str, object]] = [
    {
        "name": "API",
        "kind": "http",
        "url": "https://example.com/health",
        "method": "POST",
        "headers": {"Accept": "application/json", "X-Version": "2"},
        "body": '{"probe": true}\nsecond line # not a comment',
        "auth": {"type": "basic", "username": "monitor", "password": "s3cret: yes"},
        "follow_redirects": False,
        "max_redirects": 3,
        "verify_tls": False,
        "expect_status": ["200", "201-204", "3xx"],
        "body_contains": ["ok", "null"],
        "body_not_contains": ["error"],
        "body_regex": r"^\{.*\}$",
        "json_assertions": [
            {"path": "$.status", "equals": "ok"},
            {"path": "$.count", "equals": 3},
            {"path": "$.ratio", "equals": 0.5},
            {"path": "$.healthy", "equals": True},
            {"path": "$.version", "equals": "1.0"},
            {"path": "$.regions", "contains": "eu"},
        ],
        "header_assertions": [
            {"name": "Content-Type", "regex": "^application/json"},
            {"name": "X-Served-By", "equals": "true"},
        ],
        "degraded_after_ms": 800,
        "tls_warning_days": 30,
        "tls_critical_days": 7,
        "interval": 30,
        "timeout": 2.5,
        "retries": 2,
        "tags": ["prod", "123", "yes", "2026-01-01", "~"],
        "paused": True,
    },
    {
        "name": "bearer",
        "kind": "http",
        "url": "http://10.0.0.5:8080/",
        "auth": {"type": "bearer", "token": "abc.def"},
    },
    {
        "name": "smtp",
        "kind": "tcp",
        "host": "mail.example.com",
        "port": 25,
        "send": "EHLO upwatch\r\n",
        "expect": "250",
    },
    {
        "name": "dns",
        "kind": "dns",
        "hostname": "example.com",
        "record_type": "MX",
        "expected": ["10 mail.example.com."],
        "resolver": "[2001:4860:4860::8888]:53",
    },
    {
        "name": "certificate",
        "kind": "tls",
        "host": "example.com",
        "port": 8443,
        "sni": "www.example.com",
        "verify": False,
        "warning_days": 21,
        "critical_days": 0,
    },
    {"name": "every five minutes", "kind": "heartbeat", "period": 300, "grace": 0},
    {
        "name": "nightly-backup",
        "kind": "heartbeat",
        "cron": "0 3 * * *",
        "timezone": "Europe/Berlin",
        "grace": 600,
    },
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitors.yaml"
    path.write_text(dedent(text))
    return path


def _problems(tmp_path: Path, text: str) -> list[tuple[int, str | None, str]]:
    with pytest.raises(MonitorFileError) as raised:
        load_monitor_file(_write(tmp_path, text))
    return [(problem.line, problem.field, problem.message) for problem in raised.value.problems]


def test_loads_the_documented_example(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
        monitors:
          - name: API
            kind: http
            url: https://example.com/health
            interval: 30
          - name: nightly-backup
            kind: heartbeat
            cron: "0 3 * * *"
            timezone: Europe/Berlin
            grace: 600
        """,
    )

    assert load_monitor_file(path) == [
        parse_monitor(
            {"name": "API", "kind": "http", "url": "https://example.com/health", "interval": 30}
        ),
        parse_monitor(
            {
                "name": "nightly-backup",
                "kind": "heartbeat",
                "cron": "0 3 * * *",
                "timezone": "Europe/Berlin",
                "grace": 600,
            }
        ),
    ]


HAND_WRITTEN = [
    pytest.param(
        """\
        monitors:
          - name: API
            kind: http
            url: https://example.com/health
            method: POST
            headers:
              Accept: application/json
            auth: {type: bearer, token: abc.def}
            expect_status: [2xx, "404"]
            json_assertions:
              - {path: $.status, equals: ok}
              - {path: $.count, equals: 3}
              - {path: $.regions, contains: eu}
            header_assertions:
              - name: Content-Type
                regex: ^application/json
            degraded_after_ms: 800
            interval: 30
            timeout: 2.5
            tags: [prod, api]
        """,
        {
            "name": "API",
            "kind": "http",
            "url": "https://example.com/health",
            "method": "POST",
            "headers": {"Accept": "application/json"},
            "auth": {"type": "bearer", "token": "abc.def"},
            "expect_status": ["2xx", "404"],
            "json_assertions": [
                {"path": "$.status", "equals": "ok"},
                {"path": "$.count", "equals": 3},
                {"path": "$.regions", "contains": "eu"},
            ],
            "header_assertions": [{"name": "Content-Type", "regex": "^application/json"}],
            "degraded_after_ms": 800,
            "interval": 30,
            "timeout": 2.5,
            "tags": ["prod", "api"],
        },
        id="http",
    ),
    pytest.param(
        """\
        monitors:
          - name: postgres  # the primary
            kind: tcp
            host: db.internal
            port: 5432
            retries: 2
        """,
        {"name": "postgres", "kind": "tcp", "host": "db.internal", "port": 5432, "retries": 2},
        id="tcp",
    ),
    pytest.param(
        """\
        monitors:
          - name: mail exchanger
            kind: dns
            hostname: example.com
            record_type: MX
            expected:
              - 10 mail.example.com.
            resolver: 1.1.1.1:53
        """,
        {
            "name": "mail exchanger",
            "kind": "dns",
            "hostname": "example.com",
            "record_type": "MX",
            "expected": ["10 mail.example.com."],
            "resolver": "1.1.1.1:53",
        },
        id="dns",
    ),
    pytest.param(
        """\
        monitors:
          - name: certificate
            kind: tls
            host: example.com
            warning_days: 21
            critical_days: 7
            paused: true
        """,
        {
            "name": "certificate",
            "kind": "tls",
            "host": "example.com",
            "warning_days": 21,
            "critical_days": 7,
            "paused": True,
        },
        id="tls",
    ),
    pytest.param(
        """\
        monitors:
          - name: queue drain
            kind: heartbeat
            period: 300
            grace: 0
        """,
        {"name": "queue drain", "kind": "heartbeat", "period": 300, "grace": 0},
        id="heartbeat",
    ),
]


@pytest.mark.parametrize(("text", "document"), HAND_WRITTEN)
def test_a_hand_written_monitor_of_each_kind_loads(
    tmp_path: Path, text: str, document: dict[str, object]
) -> None:
    assert load_monitor_file(_write(tmp_path, text)) == [parse_monitor(document)]


@pytest.mark.parametrize("document", EVERY_KIND, ids=lambda document: str(document["name"]))
def test_the_round_trip_keeps_each_kind(tmp_path: Path, document: dict[str, object]) -> None:
    spec = parse_monitor(document)

    assert load_monitor_file(_write(tmp_path, dump_monitor_file([spec]))) == [spec]


def test_flow_style_yaml_loads(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'monitors: [{name: db, kind: tcp, host: 10.0.0.7, port: 5432, tags: [db, "1"]}]\n',
    )

    assert load_monitor_file(path) == [
        parse_monitor(
            {"name": "db", "kind": "tcp", "host": "10.0.0.7", "port": 5432, "tags": ["db", "1"]}
        )
    ]


def test_an_empty_monitors_list_loads_as_no_monitors(tmp_path: Path) -> None:
    assert load_monitor_file(_write(tmp_path, "monitors: []\n")) == []


def test_loaded_monitors_hold_plain_python_values(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
        monitors:
          - {name: api, kind: http, url: "https://example.com/", timeout: 1.5, interval: 0x1e}
        """,
    )

    (spec,) = load_monitor_file(path)

    assert (type(spec.timeout), type(spec.interval)) == (float, int)
    assert (spec.timeout, spec.interval) == (1.5, 30)


def test_the_round_trip_keeps_every_kind_in_one_file(tmp_path: Path) -> None:
    specs = [parse_monitor(document) for document in EVERY_KIND]

    assert load_monitor_file(_write(tmp_path, dump_monitor_file(specs))) == specs


def test_the_round_trip_keeps_json_value_types(tmp_path: Path) -> None:
    """Strings that look like numbers stay strings; numbers and booleans keep their JSON types."""
    (spec,) = load_monitor_file(_write(tmp_path, dump_monitor_file([parse_monitor(EVERY_KIND[0])])))

    assert isinstance(spec, HttpMonitor)
    expected_values = [a.equals for a in spec.json_assertions if a.equals is not None]
    assert [(value, type(value)) for value in expected_values] == [
        ("ok", str),
        (3, int),
        (0.5, float),
        (True, bool),
        ("1.0", str),
    ]


def test_dump_writes_name_and_kind_first_then_kind_fields_then_common_ones() -> None:
    spec = parse_monitor(
        {
            "retries": 1,
            "tags": ["edge"],
            "kind": "tcp",
            "port": 22,
            "interval": 120,
            "host": "ssh.example.com",
            "name": "ssh",
        }
    )

    assert dump_monitor_file([spec]) == dedent(
        """\
        monitors:
          - name: ssh
            kind: tcp
            host: ssh.example.com
            port: 22
            interval: 120
            retries: 1
            tags:
              - edge
        """
    )


def test_dump_omits_fields_equal_to_their_defaults() -> None:
    spec = parse_monitor(
        {
            "name": "API",
            "kind": "http",
            "url": "https://example.com/",
            "method": "GET",
            "interval": 60,
            "timeout": 10,
            "expect_status": ["200-399"],
            "paused": False,
        }
    )

    assert dump_monitor_file([spec]) == dedent(
        """\
        monitors:
          - name: API
            kind: http
            url: https://example.com/
        """
    )


def test_dump_of_no_monitors_is_an_empty_list() -> None:
    assert dump_monitor_file([]) == "monitors: []\n"


ENTRY_PROBLEMS = [
    pytest.param(
        """\
        monitors:
          - name: API
            kind: http
            url: https://example.com/
            interval: 5
        """,
        (5, "monitors[0].interval", "Input should be greater than or equal to 10"),
        id="constraint on a field",
    ),
    pytest.param(
        """\
        monitors:
          - name: API
            kind: http
            interval: 30
        """,
        (2, "monitors[0].url", "Field required"),
        id="missing field points at the entry",
    ),
    pytest.param(
        """\
        monitors:
          - name: API

            url: https://example.com/
        """,
        (2, "monitors[0].kind", "Field required"),
        id="missing kind",
    ),
    pytest.param(
        """\
        monitors:
          - name: API
            kind: ftp
        """,
        (
            3,
            "monitors[0].kind",
            "unknown kind 'ftp', expected one of 'http', 'tcp', 'dns', 'tls', 'heartbeat'",
        ),
        id="unknown kind",
    ),
    pytest.param(
        """\
        monitors:
          - name: API
            kind: http
            url: https://example.com/
            intervall: 30
        """,
        (5, "monitors[0].intervall", "Extra inputs are not permitted"),
        id="unknown field",
    ),
    pytest.param(
        """\
        monitors:
          - name: API
            kind: http
            url: https://example.com/
            json_assertions:
              - path: $.ok
                equals: true
              - path: "$["
                equals: 1
        """,
        (8, "monitors[0].json_assertions[1].path", "invalid JSONPath: unexpected end of query"),
        id="nested field keeps the first line of a multi-line message",
    ),
    pytest.param(
        """\
        monitors:
          - name: API
            kind: http
            url: https://example.com/
            tags:
              - prod
              - [nested]
        """,
        (7, "monitors[0].tags[1]", "Input should be a valid string"),
        id="list item",
    ),
    pytest.param(
        """\
        monitors:
          - name: API
            kind: http
            url: https://example.com/
            interval: 30
            timeout: 30
        """,
        (6, "monitors[0].timeout", "timeout must be shorter than interval"),
        id="rule across fields points at the field that breaks it",
    ),
    pytest.param(
        """\
        monitors:
          - name: nightly
            kind: heartbeat
            cron: "0 3 * * *"
            timezone: Europe/Atlantis
        """,
        (5, "monitors[0].timezone", "unknown time zone 'Europe/Atlantis'"),
        id="heartbeat time zone",
    ),
    pytest.param(
        """\
        monitors:
          - name: nightly
            kind: heartbeat
            cron: "0 3 * * *"
          - just a name
        """,
        (5, "monitors[1]", "a monitor must be a mapping of fields"),
        id="entry that is not a mapping",
    ),
]


@pytest.mark.parametrize(("text", "problem"), ENTRY_PROBLEMS)
def test_an_invalid_entry_is_reported_at_its_line(
    tmp_path: Path, text: str, problem: tuple[int, str, str]
) -> None:
    assert _problems(tmp_path, text) == [problem]


FILE_PROBLEMS = [
    pytest.param(
        "",
        [(1, None, "the top level must be a mapping with a monitors list")],
        id="empty file",
    ),
    pytest.param(
        "# nothing but a comment\n\n- name: API\n",
        [(3, None, "the top level must be a mapping with a monitors list")],
        id="top level is a list",
    ),
    pytest.param(
        "just text\n",
        [(1, None, "the top level must be a mapping with a monitors list")],
        id="top level is a scalar",
    ),
    pytest.param(
        "version: 1\nmonitor:\n  - name: API\n",
        [
            (1, "version", "Extra inputs are not permitted"),
            (1, "monitors", "Field required"),
            (2, "monitor", "Extra inputs are not permitted"),
        ],
        id="no monitors key",
    ),
    pytest.param(
        "# monitors\n\nmonitors:\n  name: API\n",
        [(3, "monitors", "Input should be a valid list")],
        id="monitors is a mapping",
    ),
    pytest.param(
        "monitors:\n",
        [(1, "monitors", "Input should be a valid list")],
        id="monitors is empty",
    ),
    pytest.param(
        '\nmonitors: !!python/object/apply:os.system ["echo unsafe"]\n',
        [(2, "monitors[0]", "a monitor must be a mapping of fields")],
        id="python tag is not executed",
    ),
    pytest.param(
        "monitors:\n  - name: API\n    kind: http\n\turl: https://example.com/\n",
        [(4, None, "invalid YAML: found character '\\t' that cannot start any token")],
        id="tab indentation",
    ),
    pytest.param(
        "monitors:\n  - name: API\n    tags: [a, b\n    kind: http\n",
        [
            (
                4,
                None,
                "invalid YAML: expected ',' or ']', but got ':'"
                " (while parsing a flow sequence on line 3)",
            )
        ],
        id="unclosed flow sequence",
    ),
    pytest.param(
        "monitors:\n  - name: API\n    kind: http\n    name: Other\n",
        [
            (
                4,
                None,
                'invalid YAML: found duplicate key "name" with value "Other" '
                '(original value: "API") (while constructing a mapping on line 2)',
            )
        ],
        id="duplicate key",
    ),
    pytest.param(
        "monitors:\n  - name: API\n    kind: tcp\n    send: \x00\n",
        [
            (
                4,
                None,
                "invalid YAML: unacceptable character #x0000: special characters are not allowed",
            )
        ],
        id="control character",
    ),
]


@pytest.mark.parametrize(("text", "problems"), FILE_PROBLEMS)
def test_a_malformed_file_is_reported_at_its_line(
    tmp_path: Path, text: str, problems: list[tuple[int, str | None, str]]
) -> None:
    assert _problems(tmp_path, text) == problems


def test_duplicate_names_are_reported_at_each_repeat(tmp_path: Path) -> None:
    text = """\
        monitors:
          - {name: API, kind: tcp, host: a.example.com, port: 80}
          - name: " API "
            kind: tcp
            host: b.example.com
            port: 80
          - {name: api, kind: tcp, host: c.example.com, port: 80}
          - {name: API, kind: tcp, host: d.example.com, port: 0}
        """

    assert _problems(tmp_path, text) == [
        (3, "monitors[1].name", "duplicate name 'API', first used on line 2"),
        (8, "monitors[3].port", "Input should be greater than or equal to 1"),
        (8, "monitors[3].name", "duplicate name 'API', first used on line 2"),
    ]


def test_every_problem_is_reported_at_once_in_line_order(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """\
        monitors:
          - name: API
            kind: http
            url: https://example.com/
            interval: 5
            retries: -1
          - name: fine
            kind: tcp
            host: db.example.com
            port: 5432
          - name: nightly
            kind: heartbeat
            period: 3600
            cron: "0 3 * * *"
          - name: dns
            kind: dns
            hostname: example.com
            resolver: "1.1.1.1:99999"
        extra: true
        """,
    )

    with pytest.raises(MonitorFileError) as raised:
        load_monitor_file(path)

    assert str(raised.value).splitlines() == [
        f"{path}:5: monitors[0].interval: Input should be greater than or equal to 10",
        f"{path}:6: monitors[0].retries: Input should be greater than or equal to 0",
        f"{path}:11: monitors[2]: give exactly one of period or cron",
        f"{path}:18: monitors[3].resolver: '1.1.1.1:99999' is not an address with an optional port",
        f"{path}:19: extra: Extra inputs are not permitted",
    ]
    assert raised.value.problems[0] == FileProblem(
        file=str(path),
        line=5,
        field="monitors[0].interval",
        message="Input should be greater than or equal to 10",
    )


def test_a_monitor_file_error_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"monitors.yaml:2: invalid YAML: "):
        load_monitor_file(_write(tmp_path, "monitors: [\n"))


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "No such file"), (b"monitors: [\xff]\n", "codec can't decode")],
    ids=["missing", "not UTF-8"],
)
def test_an_unreadable_file_is_a_configuration_error(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    path = tmp_path / "monitors.yaml"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(ConfigurationError, match=reason) as raised:
        load_monitor_file(path)
    assert not isinstance(raised.value, MonitorFileError)


@given(st.text(alphabet="monitors:name kind http-[]{}!&*#|>'\"\n\t,?%@`0123456789\\", max_size=120))
def test_any_text_loads_or_is_reported_as_problems(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "monitors.yaml"
    path.write_text(text, encoding="utf-8")

    problems: list[FileProblem] = []
    try:
        load_monitor_file(path)
    except MonitorFileError as exc:
        problems = exc.problems

    assert all(1 <= problem.line <= text.count("\n") + 1 for problem in problems)
