"""A probe's HTTP response as libcurl delivered it: status, head, body up to a cap."""

from collections.abc import ItemsView, Iterator, Mapping

from multidict import CIMultiDict
from yarl import URL

# Header bytes that are not UTF-8 survive as surrogates rather than failing the check.
UNDECODABLE = "surrogateescape"


class HttpRequestError(Exception):
    """The target's failure to answer; the message is the check's error, for people."""


class ResponseHeaders(Mapping[str, str]):
    """The final response's header fields (case-insensitive), parsed when first asked for:
    most checks look at the status alone."""

    __slots__ = ("_fields", "_head")

    def __init__(self, head: bytes) -> None:
        self._head = head
        self._fields: CIMultiDict[str] | None = None

    @property
    def fields(self) -> CIMultiDict[str]:
        if self._fields is None:
            self._fields = _parsed_head(self._head)
        return self._fields

    def __getitem__(self, name: str) -> str:
        return self.fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def items(self) -> ItemsView[str, str]:
        return self.fields.items()


class HttpResponse:
    """The final response of one request, its body read up to the request's cap."""

    __slots__ = (
        "_body",
        "_body_error",
        "content_type",
        "duration",
        "headers",
        "location",
        "peer_certificate",
        "status",
        "truncated",
        "url",
        "waited",
    )

    def __init__(
        self,
        *,
        url: URL,
        status: int,
        headers: ResponseHeaders | None,
        location: str | None,
        content_type: str | None,
        body: bytes,
        truncated: bool,
        body_error: Exception | None,
        peer_certificate: bytes | None,
        waited: float,
        duration: float,
    ) -> None:
        self.url = url
        self.status = status
        self.headers = headers
        """The header fields, when the request was asked to read them."""
        self.location = location
        """Where a redirect leads, resolved against the URL."""
        self.content_type = content_type
        self.truncated = truncated
        self.peer_certificate = peer_certificate
        self.waited = waited
        """Seconds from the start of the request (its name lookup included) to the head."""
        self.duration = duration
        """Seconds the whole request took, body included."""
        self._body = body
        self._body_error = body_error

    @property
    def charset(self) -> str | None:
        for parameter in (self.content_type or "").split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip('"') or None
        return None

    def body(self) -> bytes:
        """The body up to the cap (``truncated`` says whether there was more).

        Raises ``HttpRequestError`` (or ``TimeoutError``) when it could not be read or decoded.
        """
        if self._body_error is not None:
            raise self._body_error
        return self._body


def _parsed_head(head: bytes) -> CIMultiDict[str]:
    """The final response's header fields; interim (1xx) responses come before it.

    No header name contains a slash, so a line starting with ``HTTP/`` is a status line.
    """
    start = head.rfind(b"\nHTTP/") + 1
    fields: list[tuple[str, str]] = []
    for line in head[start:].splitlines()[1:]:
        name, colon, value = line.partition(b":")
        if colon:
            fields.append(
                (
                    name.strip().decode("utf-8", UNDECODABLE),
                    value.strip().decode("utf-8", UNDECODABLE),
                )
            )
    return CIMultiDict(fields)
