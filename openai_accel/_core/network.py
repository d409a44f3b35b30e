"""Proxies and CA bundles: resolved once per client from its options and the environment.

Pure: the environment arrives as a mapping, nothing here opens a socket or a
file. requests' ``trust_env`` would find the same settings, but it scans the
environment (and ``.netrc``) on every request, which costs hundreds of
microseconds; aiohttp's ``trust_env`` does the same per request. Resolving
once and handing both transports explicit values keeps the per-request cost
to one dictionary lookup (:meth:`NetworkSettings.proxy_for`), and makes the
two clients agree on what the variables mean.

The rules follow curl and requests, the tools users know them from:

* ``HTTPS_PROXY`` for ``https://`` URLs, ``HTTP_PROXY`` for ``http://`` URLs,
  ``ALL_PROXY`` for either when the specific one is not set; the lower-case
  name wins over the upper-case one when both are set (as in curl; requests
  reads them through ``urllib.request.getproxies`` which does the same);
* ``NO_PROXY``: comma- or space-separated hosts; ``*`` bypasses for every
  host; ``example.com`` and ``.example.com`` match the host and its
  subdomains; ``host:port`` matches that port only; an IP or a CIDR block
  (``10.0.0.0/8``) matches addresses; an empty entry is ignored;
* ``REQUESTS_CA_BUNDLE``, then ``CURL_CA_BUNDLE``, then ``SSL_CERT_FILE``: a
  file of CA certificates to verify servers with, instead of the default
  store.
"""

from __future__ import annotations

import ipaddress
from typing import Dict, List, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

import attrs

__all__ = ["NetworkSettings", "ProxyArg", "resolve_network"]

#: ``proxy=`` accepts: None (from the environment), False (never a proxy), a URL.
ProxyArg = Union[None, bool, str]

_CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
_PROXY_SCHEMES = ("http://", "https://", "socks5://", "socks5h://", "socks4://")


def _env(env: Mapping[str, str], name: str) -> Optional[str]:
    """The lower-case variable if set, else the upper-case one (curl's order)."""
    for key in (name.lower(), name.upper()):
        value = env.get(key)
        if value is not None and value.strip():
            return value.strip()
    return None


def _check_proxy_url(url: str, where: str) -> str:
    if "://" not in url:
        url = "http://" + url  # curl's reading of "host:port"
    if not url.lower().startswith(_PROXY_SCHEMES):
        raise ValueError(f"{where} must be an http:// or https:// proxy URL, got {url!r:.80}")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        raise ValueError(f"{where} has an invalid port: {url!r:.80}") from None
    if not parts.hostname:
        raise ValueError(f"{where} names no proxy host: {url!r:.80}")
    return url


@attrs.frozen
class _Bypass:
    """One parsed ``NO_PROXY`` entry."""

    host: Optional[str] = None  # a domain suffix, without the leading dot
    port: Optional[int] = None
    network: Optional[Union[ipaddress.IPv4Network, ipaddress.IPv6Network]] = None

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            try:
                return ipaddress.ip_address(host) in self.network
            except ValueError:
                return False
        assert self.host is not None
        return host == self.host or host.endswith("." + self.host)


def _parse_bypass(entry: str) -> Optional[_Bypass]:
    """One ``NO_PROXY`` entry; one that cannot be read matches nothing (as in curl)."""
    entry = entry.strip().lower()
    if not entry:
        return None
    if entry.startswith("[") and "]" in entry:  # [::1]:8080
        address, _, rest = entry[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else None
        try:
            return _Bypass(network=ipaddress.ip_network(address, strict=False), port=port)
        except ValueError:
            return None
    try:
        return _Bypass(network=ipaddress.ip_network(entry, strict=False))
    except ValueError:
        pass
    port = None
    host, sep, maybe_port = entry.rpartition(":")
    if sep and maybe_port.isdigit():
        entry, port = host, int(maybe_port)
    try:
        return _Bypass(network=ipaddress.ip_network(entry, strict=False), port=port)
    except ValueError:
        name = entry.lstrip("*.")
        return _Bypass(host=name, port=port) if name else None


_DEFAULT_PORTS = {"http": 80, "https": 443}


@attrs.frozen
class NetworkSettings:
    """Where each request goes through, and which CAs verify the server.

    ``proxies`` maps a URL scheme to a proxy URL; ``bypass_all`` is ``NO_PROXY=*``.
    ``ca_bundle`` is a path or ``None`` for the library's default store.
    """

    proxies: Mapping[str, str] = attrs.field(factory=dict)
    bypass: Tuple[_Bypass, ...] = ()
    bypass_all: bool = False
    ca_bundle: Optional[str] = None
    _cache: Dict[Tuple[str, str], Optional[str]] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )

    def proxy_for(self, url: str) -> Optional[str]:
        """The proxy URL for ``url``, or ``None`` to connect directly.

        Cached per (scheme, host:port): a client talks to one or two hosts,
        so after the first request this is a dictionary lookup.
        """
        if not self.proxies or self.bypass_all:
            return None
        scheme, _, rest = url.partition("://")
        netloc = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        key = (scheme.lower(), netloc.lower())
        try:
            return self._cache[key]
        except KeyError:
            pass
        proxy = self.proxies.get(key[0])
        if proxy is not None and self._bypassed(key[0], key[1]):
            proxy = None
        if len(self._cache) < 1024:  # image downloads may hit many hosts: stay bounded
            self._cache[key] = proxy
        return proxy

    def _bypassed(self, scheme: str, netloc: str) -> bool:
        if not self.bypass:
            return False
        parts = urlsplit(f"{scheme}://{netloc}")
        host = (parts.hostname or "").rstrip(".")
        try:
            port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
        except ValueError:  # not a URL any transport could send; let it fail there
            port = 0
        return any(entry.matches(host, port) for entry in self.bypass)


def resolve_network(
    proxy: ProxyArg, ca_bundle: Optional[str], env: Mapping[str, str]
) -> NetworkSettings:
    """``proxy=None`` reads the environment; ``False`` never proxies; a URL proxies everything.

    An explicit proxy URL applies to every request and ignores ``NO_PROXY``:
    the caller said where to go. ``ca_bundle=None`` reads the CA variables.
    """
    if ca_bundle is not None and not isinstance(ca_bundle, str):
        raise TypeError(f"ca_bundle must be a path (str) or None, got {type(ca_bundle).__name__}")
    bundle = ca_bundle or next(
        (env[name] for name in _CA_VARIABLES if env.get(name, "").strip()), None
    )
    if proxy is False:
        return NetworkSettings(ca_bundle=bundle)
    if isinstance(proxy, str):
        url = _check_proxy_url(proxy, "proxy")
        return NetworkSettings(proxies={"http": url, "https": url}, ca_bundle=bundle)
    if proxy is not None:
        raise TypeError(
            f"proxy must be a URL string, False (no proxy) or None (from the environment), "
            f"got {type(proxy).__name__}"
        )
    proxies: Dict[str, str] = {}
    fallback = _env(env, "all_proxy")
    for scheme in ("http", "https"):
        value = _env(env, f"{scheme}_proxy") or fallback
        if value:
            proxies[scheme] = _check_proxy_url(value, f"{scheme.upper()}_PROXY")
    no_proxy = _env(env, "no_proxy") or ""
    entries: List[_Bypass] = []
    bypass_all = False
    for raw in no_proxy.replace(" ", ",").split(","):
        if raw.strip() == "*":
            bypass_all = True
            continue
        parsed = _parse_bypass(raw)
        if parsed is not None:
            entries.append(parsed)
    return NetworkSettings(
        proxies=proxies, bypass=tuple(entries), bypass_all=bypass_all, ca_bundle=bundle
    )
