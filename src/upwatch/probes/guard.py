"""Target security: probes contact only addresses the operator's ``TargetPolicy`` allows.

Every address a name resolves to is checked, at every connection, so neither DNS rebinding nor a
redirect to another host reaches a refused address such as the cloud metadata endpoints.
"""

import asyncio
import socket
from functools import lru_cache
from ipaddress import ip_address

from aiohttp import ThreadedResolver
from aiohttp.abc import AbstractResolver, ResolveResult

from upwatch.domain.results import ProbeResult
from upwatch.domain.status import Outcome
from upwatch.domain.targets import IPAddress, TargetPolicy, literal_address
from upwatch.errors import TargetRefusedError


def refused(reason: str) -> ProbeResult:
    return ProbeResult(outcome=Outcome.DOWN, error=f"target refused: {reason}")


# Monitors check the same hosts every interval: parsing and judging an address once each spares
# every check that work. The policy is frozen, so a cached judgement cannot go stale.
_CACHED = 16_384


@lru_cache(maxsize=_CACHED)
def host_address(host: str) -> IPAddress | None:
    """The IP address a host string spells, if it spells one (``[::1]`` included)."""
    return literal_address(host)


@lru_cache(maxsize=_CACHED)
def _refusal(policy: TargetPolicy, address: IPAddress) -> str | None:
    return policy.refusal(address)


def ensure_allowed(address: IPAddress, policy: TargetPolicy) -> None:
    reason = _refusal(policy, address)
    if reason:
        raise TargetRefusedError(reason)


async def resolve_checked(host: str, port: int, policy: TargetPolicy) -> list[IPAddress]:
    """The addresses of ``host`` when the policy allows every one of them.

    Raises ``TargetRefusedError`` when any is refused, ``socket.gaierror`` when none resolves.
    """
    literal = host_address(host)
    if literal is not None:
        ensure_allowed(literal, policy)
        return [literal]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(ip_address(sockaddr[0]) for *_, sockaddr in infos))
    for address in addresses:
        ensure_allowed(address, policy)
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
