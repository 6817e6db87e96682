"""Where notifications may go: public addresses only, unless an administrator allows more.

A subscription makes this server send POSTs to a URL someone else chose, so without a rule
anyone who may subscribe could make it reach what only it can reach: its own admin on
loopback, a database on the private network, the cloud metadata service on
169.254.169.254 (server-side request forgery). So an endpoint's host must resolve only to
public addresses, or to networks listed in MEDIAMILL_NOTIFY_ALLOWED_NETWORKS.

The rule is applied twice: when subscribing (a clear refusal) and at every delivery, after
resolving the name again; the delivery then connects to the addresses it checked, never to
a second lookup's answer, so a name that changes its answer (DNS rebinding) gains nothing.
IPv6 forms that carry an IPv4 address (``::ffff:127.0.0.1``, 6to4, NAT64, Teredo) are
judged by that IPv4 address.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from mediamill.errors import ValidationError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class RefusedEndpoint(ValidationError):
    """An endpoint on an address notifications may not be sent to."""


def refusal(address: Address, allowed: Sequence[Network] = ()) -> str | None:
    """Why notifications may not be sent to ``address``, or None if they may."""
    plain = _embedded_ipv4(address) or address
    if any(address in network or plain in network for network in allowed):
        return None
    if plain.is_unspecified:
        return "the unspecified address"
    if plain.is_loopback:
        return "a loopback address"
    if plain.is_link_local:
        return "a link-local address"
    if plain.is_multicast:
        return "a multicast address"
    if plain.is_private:
        return "a private address"
    if not plain.is_global or plain.is_reserved:
        return "a reserved address"
    if isinstance(plain, ipaddress.IPv6Address) and plain.is_site_local:
        return "a site-local address"
    return None


def resolve(host: str, port: int) -> list[Address]:
    """The addresses ``host`` stands for (itself, if it is one), in the resolver's order.

    Raises ``OSError`` (``socket.gaierror``) when the name does not resolve.
    """
    literal = _literal(host)
    if literal is not None:
        return [literal]
    found: list[Address] = []
    for *_, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def checked_addresses(host: str, port: int, allowed: Sequence[Network]) -> list[Address]:
    """Resolve ``host`` and return its addresses if every one may receive notifications.

    Refuses (``RefusedEndpoint``) if any may not: a name that points both outside and inside
    is not trusted with either. ``OSError`` if it does not resolve.
    """
    addresses = resolve(host, port)
    if not addresses:
        raise OSError(f"{host} has no address")
    for address in addresses:
        why = refusal(address, allowed)
        if why is not None:
            shown = host if _literal(host) is not None else f"{host} ({address})"
            raise RefusedEndpoint(
                f"notifications are not sent to {shown}: {why}. An administrator can allow "
                "it with MEDIAMILL_NOTIFY_ALLOWED_NETWORKS"
            )
    return addresses


def host_and_port(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of an endpoint URL, refusing what two parsers could read
    differently: user information (``user@``), backslashes, spaces and control characters.

    Raises ``ValidationError`` with the reason.
    """
    if not url.isascii() or not url.isprintable() or any(c in url for c in " \\"):
        raise ValidationError(f"Invalid endpoint {url!r}: spaces, backslashes or non-ASCII")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(f"Invalid endpoint {url!r}: expected an http:// or https:// URL")
    if "@" in parts.netloc:
        raise ValidationError(f"Invalid endpoint {url!r}: user information is not allowed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ValidationError(f"Invalid endpoint {url!r}: {exc}") from exc
    return parts.scheme, parts.hostname, port


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # (server, client): the client is where packets go
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None
