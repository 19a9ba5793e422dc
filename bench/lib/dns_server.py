"""A small authoritative DNS server for the benchmark: ``python -m bench.lib.dns_server PORT``.

Answers are built with dnspython once per question and then only the query id changes, so the
server stays far cheaper than the probes it answers.
"""

import asyncio
import sys
from typing import cast

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import uvloop

ZONE = {"www.bench.test.": ["192.0.2.10", "192.0.2.11"]}


class Responder(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answers: dict[bytes, bytes] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        question = data[2:]
        answer = self.answers.get(question)
        if answer is None:
            answer = self.answers[question] = _answer(data)[2:]
        self.transport.sendto(data[:2] + answer, addr)


def _answer(data: bytes) -> bytes:
    query = dns.message.from_wire(data)
    response = dns.message.make_response(query)
    response.flags |= dns.flags.AA
    question = query.question[0]
    values = ZONE.get(question.name.to_text().lower())
    if values is None:
        response.set_rcode(dns.rcode.NXDOMAIN)
    else:
        response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "A", *values))
    return response.to_wire()


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    await loop.create_datagram_endpoint(Responder, local_addr=("127.0.0.1", port))
    await asyncio.Event().wait()


if __name__ == "__main__":
    uvloop.run(serve(int(sys.argv[1])))
