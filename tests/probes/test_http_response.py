"""A response's head as libcurl hands it over: interim responses first, then the final one."""

import pytest

from upwatch.probes.http_response import ResponseHeaders

FINAL = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\n\r\n"


@pytest.mark.parametrize(
    "head",
    [FINAL, b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + FINAL],
)
def test_the_fields_are_the_final_responses(head: bytes) -> None:
    headers = ResponseHeaders(head)

    assert headers["content-type"] == "text/plain"
    assert "Link" not in headers
    assert list(headers.items()) == [
        ("Content-Type", "text/plain"),
        ("Set-Cookie", "a=1"),
        ("set-cookie", "b=2"),
    ]


def test_undecodable_bytes_and_odd_lines_do_not_fail_the_check() -> None:
    headers = ResponseHeaders(b"HTTP/1.1 200 OK\nX-Name: caf\xe9 \nnot a field\n\n")

    assert headers.get("x-name") == "caf\udce9"
    assert len(headers) == 1
