"""is_fetchable_address: only globally routable addresses, IPv4 embedded in IPv6 judged too."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from nexus.ingest.addresses import is_fetchable_address

REFUSED = [
    ("0.0.0.0", "unspecified"),  # noqa: S104 (a value under test, nothing binds it)
    ("0.1.2.3", "this network"),
    ("10.0.0.1", "private 10/8"),
    ("10.255.255.255", "private 10/8, last"),
    ("100.64.0.1", "CGNAT"),
    ("100.127.255.254", "CGNAT, last"),
    ("127.0.0.1", "loopback"),
    ("127.0.0.2", "loopback, not .1"),
    ("169.254.169.254", "cloud metadata, link-local"),
    ("172.16.0.1", "private 172.16/12"),
    ("172.31.255.255", "private 172.16/12, last"),
    ("192.0.0.8", "IETF protocol assignments"),
    ("192.0.2.1", "documentation TEST-NET-1"),
    ("192.88.99.1", "6to4 relay anycast"),
    ("192.168.1.1", "private 192.168/16"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking, last"),
    ("198.51.100.7", "documentation TEST-NET-2"),
    ("203.0.113.9", "documentation TEST-NET-3"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast SSDP"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("::", "IPv6 unspecified"),
    ("::1", "IPv6 loopback"),
    ("::127.0.0.1", "IPv4-compatible (deprecated)"),
    ("::8.8.8.8", "IPv4-compatible, even of a public address"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:10.0.0.1", "IPv4-mapped private"),
    ("::ffff:169.254.169.254", "IPv4-mapped metadata"),
    ("::ffff:0:127.0.0.1", "IPv4-translated (SIIT)"),
    ("64:ff9b::127.0.0.1", "NAT64 of loopback"),
    ("64:ff9b::a9fe:a9fe", "NAT64 of metadata"),
    ("64:ff9b:1::808:808", "local-use NAT64, whatever it embeds"),
    ("2002:7f00:1::", "6to4 of loopback"),
    ("2002:a00:1::1", "6to4 of 10.0.0.1"),
    ("2002:c0a8:101::1", "6to4 of 192.168.1.1"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "Teredo, client 127.0.0.1"),
    ("2001:0:a00:1:8000:63bf:f7f7:f7f7", "Teredo, server 10.0.0.1"),
    ("2001:2::1", "benchmarking"),
    ("2001:10::1", "ORCHID"),
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation (RFC 9637)"),
    ("100::1", "discard-only"),
    ("fc00::1", "unique local"),
    ("fd12:3456::1", "unique local"),
    ("fe80::1", "link-local"),
    ("fec0::1", "site-local (deprecated)"),
    ("ff02::1", "multicast"),
    ("4000::1", "outside global unicast"),
]

FETCHABLE = [
    ("1.1.1.1", "public"),
    ("8.8.8.8", "public"),
    ("93.184.215.14", "public"),
    ("100.63.255.255", "just below CGNAT"),
    ("100.128.0.0", "just above CGNAT"),
    ("172.15.255.255", "just below 172.16/12"),
    ("172.32.0.0", "just above 172.16/12"),
    ("223.255.255.255", "just below multicast"),
    ("2606:4700:4700::1111", "public IPv6"),
    ("2a00:1450:4001:80b::200e", "public IPv6"),
    ("::ffff:8.8.8.8", "IPv4-mapped public"),
    ("64:ff9b::808:808", "NAT64 of a public address"),
    ("2002:808:808::1", "6to4 of a public address"),
    ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", "Teredo, public server and client"),
]


@pytest.mark.parametrize(("address", "why"), REFUSED)
def test_addresses_that_are_not_globally_routable_are_refused(address: str, why: str) -> None:
    assert not is_fetchable_address(ip_address(address)), why


@pytest.mark.parametrize(("address", "why"), FETCHABLE)
def test_globally_routable_addresses_are_fetchable(address: str, why: str) -> None:
    assert is_fetchable_address(ip_address(address)), why
