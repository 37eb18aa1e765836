"""The host of a URL in the one form the server compares, resolves and connects by.

Browsers and the C resolver read `2130706433`, `0x7f.1` or `0177.0.0.1` as IPv4 addresses
(WHATWG URL "ends in a number"); a guard that took them for names would let loopback
through, so they are parsed here the same way and become dotted-decimal addresses."""

from __future__ import annotations

import re
from ipaddress import IPv4Address, IPv6Address, ip_address

import idna

__all__ = ["canonical_host", "literal_address"]

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_MAX_NAME_LENGTH = 253


def canonical_host(host: str) -> str:
    """A host as it appears in a canonical URL: a lowercased ASCII name (IDN in punycode,
    IDNA 2008 with UTS 46 mapping), a dotted-decimal IPv4 address, or a bracketed
    compressed IPv6 address. ValueError when it is none of those."""
    if host.startswith("[") and host.endswith("]"):
        address = ip_address(host[1:-1])
        if not isinstance(address, IPv6Address) or address.scope_id:
            raise ValueError("only IPv6 addresses go between brackets, without a zone")
        return f"[{_ipv6_text(address)}]"
    name = host if host.isascii() else _to_ascii(host)
    name = name.lower().removesuffix(".")
    if _ends_in_a_number(name):
        return str(_parse_ipv4_number(name))
    if not name or len(name) > _MAX_NAME_LENGTH:
        raise ValueError("the host name is empty or too long")
    if not all(_LABEL.fullmatch(label) for label in name.split(".")):
        raise ValueError("the host name has characters a host name cannot have")
    return name


def literal_address(host: str) -> IPv4Address | IPv6Address | None:
    """The address a canonical host names literally, or None for a domain name."""
    try:
        return ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def _ipv6_text(address: IPv6Address) -> str:
    """RFC 5952 text, hexadecimal throughout as WHATWG URLs write it (Python 3.13 began
    writing IPv4-mapped addresses dotted; a canonical form must not move with Python)."""
    pieces = [f"{int(piece, 16):x}" for piece in address.exploded.split(":")]
    best_start, best_length = -1, 1
    for start in range(len(pieces)):
        length = 0
        while start + length < len(pieces) and pieces[start + length] == "0":
            length += 1
        if length > best_length:
            best_start, best_length = start, length
    if best_start < 0:
        return ":".join(pieces)
    head, tail = pieces[:best_start], pieces[best_start + best_length :]
    return ":".join(head) + "::" + ":".join(tail)


def _to_ascii(host: str) -> str:
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError("the host name is not a valid internationalized name") from exc


def _ends_in_a_number(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    if last.isdigit():
        return True
    return last.startswith("0x") and all(c in "0123456789abcdef" for c in last[2:])


def _parse_ipv4_number(name: str) -> IPv4Address:
    """WHATWG's IPv4 parser: 1 to 4 parts, each decimal, 0x-hex or 0-octal; the last part
    fills the remaining bytes."""
    parts = name.split(".")
    if len(parts) > 4:
        raise ValueError("the host looks like an IPv4 address but is not one")
    numbers = [_parse_ipv4_part(part) for part in parts]
    last_limit = 256 ** (5 - len(numbers))
    if any(number > 255 for number in numbers[:-1]) or numbers[-1] >= last_limit:
        raise ValueError("the host looks like an IPv4 address but is out of range")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return IPv4Address(value)


def _parse_ipv4_part(part: str) -> int:
    if part.startswith("0x"):
        digits, base = part[2:] or "0", 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits or not all(c in "0123456789abcdef"[:base] for c in digits):
        raise ValueError("the host looks like an IPv4 address but is not one")
    return int(digits, base)
