import pytest

from upwatch.web.status.hosts import host_of


@pytest.mark.parametrize(
    ("header", "host"),
    [
        (b"status.example.com", "status.example.com"),
        (b"Status.Example.COM:443", "status.example.com"),
        (b"status.example.com.", "status.example.com"),
        (b"[::1]:8000", "::1"),
        (b"127.0.0.1:8000", "127.0.0.1"),
        (None, None),
    ],
)
def test_host_of(header: bytes | None, host: str | None) -> None:
    headers = [(b"host", header)] if header is not None else []
    assert host_of({"type": "http", "headers": headers}) == host
