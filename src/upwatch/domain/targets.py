"""Which network addresses a monitor may contact.

Link-local and cloud metadata addresses are refused always: 169.254.0.0/16 holds the EC2 and ECS
credential endpoints. Loopback and private ranges are refused only when the operator says so.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

ALWAYS_REFUSED: tuple[IPNetwork, ...] = (
    IPv4Network("169.254.0.0/16"),
    IPv6Network("fe80::/10"),
    IPv6Network("fd00:ec2::254/128"),
    # 169.254.0.0/16 wrapped in NAT64 and in 6to4, which gateways unwrap to the same hosts.
    IPv6Network("64:ff9b::a9fe:0/112"),
    IPv6Network("2002:a9fe::/32"),
)


@dataclass(frozen=True, slots=True)
class TargetPolicy:
    allow_private: bool = True
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    def refusal(self, address: IPAddress) -> str | None:
        """Why ``address`` must not be contacted, or ``None`` when it may be."""
        address = _unmap(address)
        if any(address in network for network in ALWAYS_REFUSED if _same_family(address, network)):
            return f"{address} is a link-local or cloud metadata address"
        if self.allow_private or not _is_non_public(address):
            return None
        if any(address in net for net in self.allowed_networks if _same_family(address, net)):
            return None
        return f"{address} is a private or loopback address and private targets are disallowed"

    def first_refusal(self, addresses: Iterable[IPAddress]) -> str | None:
        for address in addresses:
            reason = self.refusal(address)
            if reason:
                return reason
        return None


def literal_address(host: str) -> IPAddress | None:
    """The IP address a host string spells, if it spells one (``[::1]`` included)."""
    try:
        return ip_address(host.strip("[]"))
    except ValueError:
        return None


def parse_host_port(value: str, *, default_port: int) -> tuple[str, int]:
    """Split ``host``, ``host:port``, ``[v6]:port`` or a bare IPv6 address."""
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port_text = rest.removeprefix(":") or str(default_port)
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    else:
        host, port_text = value, str(default_port)
    if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{value!r} is not an address with an optional port")
    return host, int(port_text)


def _unmap(address: IPAddress) -> IPAddress:
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _same_family(address: IPAddress, network: IPNetwork) -> bool:
    return address.version == network.version


def _is_non_public(address: IPAddress) -> bool:
    return (
        address.is_private
        or address.is_loopback
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
        or not address.is_global
    )
