"""Which IP addresses the fetcher may connect to: only globally routable ones (reading.md,
Fetching). The tables are explicit rather than `ipaddress.is_global`, whose answers have
changed between Python releases; an SSRF guard must not move with the interpreter."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

__all__ = ["is_fetchable_address"]

# IANA's IPv4 special-purpose ranges (whole /24 of 192.0.0.0: nothing there is for us).
_BLOCKED_V4 = tuple(
    IPv4Network(network)
    for network in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 unspecified
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation (TEST-NET-1)
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation (TEST-NET-2)
        "203.0.113.0/24",  # documentation (TEST-NET-3)
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, 255.255.255.255 broadcast
    )
)

# Global unicast is 2000::/3; everything outside it (loopback, unspecified, unique local,
# link-local, multicast, discard, IPv4-compatible...) is refused unless it embeds an IPv4
# address, which is then judged instead.
_GLOBAL_UNICAST_V6 = IPv6Network("2000::/3")
_BLOCKED_V6 = tuple(
    IPv6Network(network)
    for network in (
        "2001::/23",  # IETF protocol assignments (benchmarking 2001:2::/48, ORCHID)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
    )
)
_IPV4_MAPPED = IPv6Network("::ffff:0:0/96")
_NAT64 = IPv6Network("64:ff9b::/96")
_SIX_TO_FOUR = IPv6Network("2002::/16")
_TEREDO = IPv6Network("2001::/32")


def is_fetchable_address(ip: IPv4Address | IPv6Address) -> bool:
    """True only for a globally routable address; an IPv6 form that carries an IPv4
    address (IPv4-mapped, NAT64 64:ff9b::/96, 6to4, Teredo) is judged by that address.

    The local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215) is refused whatever it embeds:
    it translates inside a private network by definition."""
    if isinstance(ip, IPv4Address):
        return not any(ip in network for network in _BLOCKED_V4)
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return all(is_fetchable_address(address) for address in embedded)
    if ip not in _GLOBAL_UNICAST_V6:
        return False
    return not any(ip in network for network in _BLOCKED_V6)


def _embedded_ipv4(ip: IPv6Address) -> tuple[IPv4Address, ...] | None:
    """The IPv4 addresses a packet to `ip` would really reach, for the forms that embed them."""
    if ip in _IPV4_MAPPED:
        return (IPv4Address(int(ip) & 0xFFFF_FFFF),)
    if ip in _NAT64:
        return (IPv4Address(int(ip) & 0xFFFF_FFFF),)
    if ip in _SIX_TO_FOUR:
        return (IPv4Address((int(ip) >> 80) & 0xFFFF_FFFF),)
    if ip in _TEREDO:
        # The Teredo server and the client (stored inverted in the last 32 bits).
        server = IPv4Address((int(ip) >> 64) & 0xFFFF_FFFF)
        client = IPv4Address(~int(ip) & 0xFFFF_FFFF)
        return (server, client)
    return None
