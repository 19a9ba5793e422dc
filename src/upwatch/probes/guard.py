"""Target security: probes contact only addresses the operator's ``TargetPolicy`` allows.

Every address a name resolves to is checked, at every connection, so neither DNS rebinding nor a
redirect to another host reaches a refused address such as the cloud metadata endpoints.
"""

import asyncio
import socket
from ipaddress import ip_address

from aiohttp import ThreadedResolver
from aiohttp.abc import AbstractResolver, ResolveResult

from upwatch.domain.results import ProbeResult
from upwatch.domain.status import Outcome
from upwatch.domain.targets import IPAddress, TargetPolicy, literal_address
from upwatch.errors import TargetRefusedError


def refused(reason: str) -> ProbeResult:
    return ProbeResult(outcome=Outcome.DOWN, error=f"target refused: {reason}")


def ensure_allowed(address: IPAddress, policy: TargetPolicy) -> None:
    reason = policy.refusal(address)
    if reason:
        raise TargetRefusedError(reason)


async def resolve_checked(host: str, port: int, policy: TargetPolicy) -> list[IPAddress]:
    """The addresses of ``host`` when the policy allows every one of them.

    Raises ``TargetRefusedError`` when any is refused, ``socket.gaierror`` when none resolves.
    """
    literal = literal_address(host)
    if literal is not None:
        ensure_allowed(literal, policy)
        return [literal]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(ip_address(sockaddr[0]) for *_, sockaddr in infos))
    reason = policy.first_refusal(addresses)
    if reason:
        raise TargetRefusedError(reason)
    return addresses


async def check_target(host: str, policy: TargetPolicy) -> str | None:
    """Why monitoring ``host`` is refused, or ``None`` when it is allowed.

    A name that does not resolve (yet) is not refused: probes check again at every connection.
    """
    try:
        await resolve_checked(host, 0, policy)
    except TargetRefusedError as exc:
        return str(exc)
    except OSError:
        return None
    return None


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing names that resolve to an address the policy forbids.

    IP literals never reach a resolver: callers check them with ``ensure_allowed``.
    """

    def __init__(self, policy: TargetPolicy) -> None:
        self._policy = policy
        self._resolver = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._resolver.resolve(host, port, family)
        reason = self._policy.first_refusal(ip_address(result["host"]) for result in results)
        if reason:
            raise TargetRefusedError(reason)
        return results

    async def close(self) -> None:
        await self._resolver.close()
