from ipaddress import IPv4Network, IPv6Network, ip_address

import pytest

from upwatch.domain.targets import IPAddress, TargetPolicy, literal_address, parse_host_port

OPEN = TargetPolicy(allow_private=True)
LOCKED_DOWN = TargetPolicy(allow_private=False)
LOCKED_DOWN_WITH_EXCEPTIONS = TargetPolicy(
    allow_private=False,
    allowed_networks=(
        IPv4Network("10.20.0.0/16"),
        IPv6Network("fd12:3456::/32"),
        IPv4Network("169.254.0.0/16"),
    ),
)
ALL_POLICIES = [OPEN, LOCKED_DOWN, LOCKED_DOWN_WITH_EXCEPTIONS]


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=["open", "locked down", "with exceptions"])
@pytest.mark.parametrize(
    ("address", "shown_as"),
    [
        ("169.254.169.254", "169.254.169.254"),
        ("169.254.170.2", "169.254.170.2"),
        ("169.254.0.1", "169.254.0.1"),
        ("fd00:ec2::254", "fd00:ec2::254"),
        ("fe80::1", "fe80::1"),
        ("febf:ffff::1", "febf:ffff::1"),
        ("::ffff:169.254.169.254", "169.254.169.254"),
        ("::ffff:169.254.170.2", "169.254.170.2"),
    ],
)
def test_link_local_and_metadata_addresses_are_always_refused(
    policy: TargetPolicy, address: str, shown_as: str
) -> None:
    assert policy.refusal(ip_address(address)) == (
        f"{shown_as} is a link-local or cloud metadata address"
    )


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "100.64.0.1",
        "100.127.255.254",
        "fd12::1",
        "fc00::1",
        "fd00:ec2::253",
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "192.0.2.1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
    ],
)
def test_private_addresses_are_refused_only_when_private_targets_are_disallowed(
    address: str,
) -> None:
    unmapped = address.removeprefix("::ffff:")

    assert OPEN.refusal(ip_address(address)) is None
    assert LOCKED_DOWN.refusal(ip_address(address)) == (
        f"{unmapped} is a private or loopback address and private targets are disallowed"
    )


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("10.20.0.1", True),
        ("10.20.255.254", True),
        ("::ffff:10.20.5.5", True),
        ("fd12:3456::1", True),
        ("10.21.0.1", False),
        ("10.19.255.255", False),
        ("fd12:3457::1", False),
        ("127.0.0.1", False),
        ("8.8.8.8", True),
    ],
)
def test_allowed_networks_are_exceptions_to_the_private_ban(address: str, allowed: bool) -> None:
    assert (LOCKED_DOWN_WITH_EXCEPTIONS.refusal(ip_address(address)) is None) == allowed


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=["open", "locked down", "with exceptions"])
@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed(policy: TargetPolicy, address: str) -> None:
    assert policy.refusal(ip_address(address)) is None


def test_the_first_refused_address_among_several_names_the_reason() -> None:
    addresses = [ip_address("8.8.8.8"), ip_address("10.0.0.1"), ip_address("169.254.169.254")]

    assert LOCKED_DOWN.first_refusal(addresses) == (
        "10.0.0.1 is a private or loopback address and private targets are disallowed"
    )
    assert OPEN.first_refusal(addresses) == (
        "169.254.169.254 is a link-local or cloud metadata address"
    )
    assert LOCKED_DOWN.first_refusal(addresses[:1]) is None
    assert LOCKED_DOWN.first_refusal([]) is None


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("10.0.0.1", ip_address("10.0.0.1")),
        ("::1", ip_address("::1")),
        ("[::1]", ip_address("::1")),
        ("[fd00:ec2::254]", ip_address("fd00:ec2::254")),
        ("example.com", None),
        ("10.0.0.256", None),
        ("", None),
    ],
)
def test_literal_address(host: str, address: IPAddress | None) -> None:
    assert literal_address(host) == address


@pytest.mark.parametrize(
    ("value", "host_and_port"),
    [
        ("example.com", ("example.com", 53)),
        ("example.com:8053", ("example.com", 8053)),
        ("1.1.1.1", ("1.1.1.1", 53)),
        ("1.1.1.1:5353", ("1.1.1.1", 5353)),
        ("[2001:4860:4860::8888]:853", ("2001:4860:4860::8888", 853)),
        ("[2001:4860:4860::8888]", ("2001:4860:4860::8888", 53)),
        ("2001:4860:4860::8888", ("2001:4860:4860::8888", 53)),
        ("::1", ("::1", 53)),
        ("host:1", ("host", 1)),
        ("host:65535", ("host", 65535)),
    ],
)
def test_parse_host_port(value: str, host_and_port: tuple[str, int]) -> None:
    assert parse_host_port(value, default_port=53) == host_and_port


@pytest.mark.parametrize(
    "value",
    ["", ":53", "host:", "host:0", "host:65536", "host:http", "host:+5", "host: 5", "[::1]x"],
)
def test_parse_host_port_refuses_malformed_addresses(value: str) -> None:
    with pytest.raises(ValueError, match="is not an address with an optional port"):
        parse_host_port(value, default_port=53)
