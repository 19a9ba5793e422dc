"""Target security: what check_target and the guarded resolver let through."""

from ipaddress import IPv4Network, IPv6Network

import pytest

from upwatch.domain.targets import TargetPolicy
from upwatch.errors import TargetRefusedError
from upwatch.probes.guard import GuardedResolver, check_target, resolve_checked

CLOSED = TargetPolicy(allow_private=False)
LOOPBACK_ALLOWED = TargetPolicy(
    allow_private=False,
    allowed_networks=(IPv4Network("127.0.0.0/8"), IPv6Network("::1/128")),
)
METADATA = "is a link-local or cloud metadata address"
PRIVATE = "is a private or loopback address and private targets are disallowed"


@pytest.mark.parametrize(
    ("host", "policy", "reason"),
    [
        ("127.0.0.1", TargetPolicy(), None),
        ("127.0.0.1", CLOSED, f"127.0.0.1 {PRIVATE}"),
        ("10.1.2.3", CLOSED, f"10.1.2.3 {PRIVATE}"),
        ("[::1]", CLOSED, f"::1 {PRIVATE}"),
        ("127.0.0.1", LOOPBACK_ALLOWED, None),
        ("localhost", CLOSED, f"127.0.0.1 {PRIVATE}"),
        ("localhost", LOOPBACK_ALLOWED, None),
        ("169.254.169.254", TargetPolicy(), f"169.254.169.254 {METADATA}"),
        ("169.254.170.2", LOOPBACK_ALLOWED, f"169.254.170.2 {METADATA}"),
        ("fd00:ec2::254", TargetPolicy(), f"fd00:ec2::254 {METADATA}"),
        ("[fd00:ec2::254]", TargetPolicy(), f"fd00:ec2::254 {METADATA}"),
        ("::ffff:169.254.169.254", TargetPolicy(), f"169.254.169.254 {METADATA}"),
        ("8.8.8.8", CLOSED, None),
        ("no-such-host.invalid", CLOSED, None),
    ],
)
async def test_check_target_gives_the_reason_for_a_refusal(
    host: str, policy: TargetPolicy, reason: str | None
) -> None:
    assert await check_target(host, policy) == reason


@pytest.mark.parametrize(
    ("host", "addresses"), [("127.0.0.1", ["127.0.0.1"]), ("localhost", ["127.0.0.1"])]
)
async def test_resolve_checked_returns_the_addresses_to_connect_to(
    host: str, addresses: list[str]
) -> None:
    resolved = await resolve_checked(host, 80, LOOPBACK_ALLOWED)

    assert [str(address) for address in resolved if address.version == 4] == addresses


async def test_the_guarded_resolver_refuses_names_of_refused_addresses() -> None:
    resolver = GuardedResolver(CLOSED)

    with pytest.raises(TargetRefusedError, match=f"127.0.0.1 {PRIVATE}"):
        await resolver.resolve("localhost", 80)

    await resolver.close()


async def test_the_guarded_resolver_passes_allowed_names_through() -> None:
    resolver = GuardedResolver(LOOPBACK_ALLOWED)

    results = await resolver.resolve("localhost", 8080)

    assert [(r["host"], r["port"]) for r in results] == [("127.0.0.1", 8080)]
    await resolver.close()
