"""docs/webhooks.md: its Python and shell verification code accept real Upwatch requests."""

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Clock
from tests.notifiers.messages import notification
from tests.receivers import Received, Receiver
from upwatch.notifiers.base import NotifyContext
from upwatch.notifiers.payload import PAYLOAD_VERSION
from upwatch.notifiers.webhook import WebhookChannel, WebhookNotifier

DOC = (Path(__file__).parents[2] / "docs" / "webhooks.md").read_text()
SECRET = "whsec-0123456789abcdef"

Verifier = Callable[[str, str, bytes, str, float], bool]


def code_block(language: str) -> str:
    [block] = re.findall(rf"```{language}\n(.*?)```", DOC, flags=re.DOTALL)
    return str(block)


@pytest.fixture
async def request_sent(receiver: Receiver, context: NotifyContext) -> Received:
    channel = WebhookChannel.model_validate(
        {"kind": "webhook", "url": receiver.url("/hook"), "secret": SECRET}
    )
    await WebhookNotifier().send(channel, notification(), context)
    return receiver.requests[0]


def test_python_snippet_verifies(request_sent: Received, clock: Clock) -> None:
    namespace: dict[str, object] = {}
    exec(code_block("python"), namespace)  # noqa: S102 (our own documentation)
    verify: Verifier = namespace["verify_signature"]  # type: ignore[assignment]
    timestamp = request_sent.headers["X-Upwatch-Timestamp"]
    signature = request_sent.headers["X-Upwatch-Signature"]
    now = clock.now.timestamp()

    assert verify(SECRET, timestamp, request_sent.body, signature, now)
    assert not verify(SECRET, timestamp, request_sent.body + b" ", signature, now)
    assert not verify(SECRET, timestamp, request_sent.body, signature, now + 301)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
@pytest.mark.parametrize(("tamper", "verdict"), [(b"", "valid"), (b" ", "invalid")])
def test_shell_snippet_verifies(
    request_sent: Received, tmp_path: Path, tamper: bytes, verdict: str
) -> None:
    (tmp_path / "body.json").write_bytes(request_sent.body + tamper)
    environment = {
        "PATH": "/usr/bin:/bin",
        "SECRET": SECRET,
        "TIMESTAMP": request_sent.headers["X-Upwatch-Timestamp"],
        "SIGNATURE": request_sent.headers["X-Upwatch-Signature"],
    }
    # The clock fixture signs at a fixed past moment; the snippet compares with the real clock.
    script = code_block("sh").replace("$(date +%s)", environment["TIMESTAMP"])

    result = subprocess.run(
        ["sh", "-c", script], cwd=tmp_path, env=environment, capture_output=True, check=True
    )

    assert result.stdout.decode().strip() == verdict


def test_documented_fields_are_the_ones_sent(request_sent: Received) -> None:
    body = json.loads(request_sent.body)

    assert body["version"] == PAYLOAD_VERSION
    first_cells = [line.split("|")[1] for line in DOC.splitlines() if line.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([a-z_]+)", cell)}
    assert set(body) <= documented
