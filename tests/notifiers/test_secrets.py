"""Channel secrets: encrypted at rest, redacted in API output."""

import json
from typing import Any

import pytest
from pydantic import SecretStr

from upwatch.errors import ConfigurationError, UpwatchError
from upwatch.notifiers.registry import ChannelConfig, parse_channel
from upwatch.notifiers.secrets import SecretBox, SecretDecryptionError, redact, redact_url

KEY = SecretStr("a-long-random-secret-key-for-tests")
WEBHOOK_SECRET = "whsec-0123456789abcdef"
SLACK_URL = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#alerts"
HOOK_URL = "https://hooks.example.com/services/T0KEN-IN-PATH"
BEARER = "Bearer sk-live-0123456789"

CHANNELS: dict[str, dict[str, Any]] = {
    "apprise": {"kind": "apprise", "url": SLACK_URL},
    "webhook": {
        "kind": "webhook",
        "url": HOOK_URL,
        "secret": WEBHOOK_SECRET,
        "headers": {"Authorization": BEARER},
    },
    "email": {"kind": "email", "to": ["oncall@example.com"], "subject_prefix": "[prod]"},
    "sns": {"kind": "sns", "topic_arn": "arn:aws:sns:us-east-1:123456789012:alerts"},
}
SECRETS = [SLACK_URL, "T1JJ3T3L2", WEBHOOK_SECRET, "T0KEN-IN-PATH", BEARER, "sk-live"]


@pytest.fixture(params=sorted(CHANNELS))
def channel(request: pytest.FixtureRequest) -> ChannelConfig:
    return parse_channel(CHANNELS[request.param])


def test_round_trip(channel: ChannelConfig) -> None:
    box = SecretBox(KEY)

    stored = box.seal(channel)

    assert box.open(json.loads(json.dumps(stored))) == channel


def test_stored_form_holds_no_secret(channel: ChannelConfig) -> None:
    stored = json.dumps(SecretBox(KEY).seal(channel))

    assert not [secret for secret in SECRETS if secret in stored]
    assert json.loads(stored)["kind"] == channel.kind


@pytest.mark.parametrize("kind", ["apprise", "webhook"])
def test_a_different_key_cannot_decrypt(kind: str) -> None:
    stored = SecretBox(KEY).seal(parse_channel(CHANNELS[kind]))

    with pytest.raises(SecretDecryptionError, match="another UPWATCH_SECRET_KEY") as raised:
        SecretBox("some-other-secret-key-entirely").open(stored)
    assert isinstance(raised.value, UpwatchError)


@pytest.mark.parametrize(
    ("stored", "message"),
    [
        (
            {"kind": "webhook", "url": "gAAAAAB-not-a-token", "secret": "x", "headers": "x"},
            "decrypt",
        ),
        ({"kind": "apprise", "url": None}, "not encrypted"),
        ({"kind": "pager"}, "unknown kind 'pager'"),
    ],
)
def test_corrupt_stored_data_fails_clearly(stored: dict[str, Any], message: str) -> None:
    with pytest.raises(SecretDecryptionError, match=message):
        SecretBox(KEY).open(stored)


def test_an_empty_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="UPWATCH_SECRET_KEY"):
        SecretBox("")


def test_redaction_never_leaks(channel: ChannelConfig) -> None:
    shown = json.dumps(redact(channel))

    assert not [secret for secret in SECRETS if secret in shown]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("apprise", {"kind": "apprise", "url": "slack://…"}),
        (
            "webhook",
            {
                "kind": "webhook",
                "url": "https://hooks.example.com/…",
                "secret": "********",
                "headers": {"Authorization": "********"},
            },
        ),
        (
            "email",
            {
                "kind": "email",
                "to": ["oncall@example.com"],
                "from_address": None,
                "subject_prefix": "[prod]",
            },
        ),
    ],
)
def test_redacted_shapes(kind: str, expected: dict[str, Any]) -> None:
    assert redact(parse_channel(CHANNELS[kind])) == expected


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack://…"),
        ("tgram://123456:ABCdef/12345", "tgram://…"),
        ("ntfy://secret-topic-name", "ntfy://…"),
        ("mailto://user:password@gmail.com", "mailto://…"),
        ("json://user:pass@hooks.example.com:8443/path?token=x", "json://hooks.example.com:8443/…"),
        ("https://hooks.example.com/T0KEN", "https://hooks.example.com/…"),
        ("json://host:notaport/x", "…"),
        ("no scheme at all", "…"),
    ],
)
def test_url_redaction(url: str, shown: str) -> None:
    assert redact_url(url) == shown
