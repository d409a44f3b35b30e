"""Send per-request metrics to a StatsD collector (the ``statsd=`` client argument).

Naming scheme (``P`` = ``metrics_prefix``, default ``openai_``; ``T`` = the
request type such as ``chat`` or ``chat_stream``; ``M`` = the model, sanitized)::

    P T .requests                      counter, 1 per request (refusals included)
    P T .success                       counter, 1 per successful request
    P T .errors                        counter, 1 per failed request
    P T .errors.<ErrorType>            counter, by exception class (e.g. RateLimitError)
    P T .duration                      timer (ms), start to end (a stream: to its end)
    P T .time_to_first_token           timer (ms), streams only
    P T .retries                       counter, += retry_count (only when > 0)
    P T .tokens.input / .output / .total   counters, += tokens (only when reported)
    P T .model.M.<any metric above>    the same metrics again, per model
    P queue.running / P queue.waiting  gauges, admission queue depth
    P breaker.state                    gauge, 0 closed, 1 half-open, 2 open

e.g. ``openai_chat.duration`` and ``openai_chat.model.gpt-4o-mini.duration``.
The prefix is glued on as is (``openai_`` + ``chat``), as the public API
documents ``<metrics_prefix><request_type>.<what>``. The fixed ``model``
segment keeps per-model series apart from the aggregate ones, so a wildcard
such as ``openai_chat.model.*.errors`` can never match an aggregate metric.
In a model name every character outside ``[A-Za-z0-9_-]`` (dots, slashes,
colons, spaces, ``|``, ``@``...) becomes ``_``, because dots would create
extra path levels and ``:``/``|``/``@`` would corrupt the StatsD line format:
``ft:gpt-4o-mini:org::x1`` -> ``ft_gpt-4o-mini_org__x1``.

Why it can never hurt the caller: UDP is fire-and-forget, the socket is
non-blocking, the collector's address is resolved once at construction (no DNS
per request), and every emission is wrapped so that any exception is swallowed
(logged once at DEBUG). One request's lines go out through a ``pipeline()``, so
they share as few packets as the datagram size allows.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import socket
from typing import Any, Mapping, Optional, Tuple

from openai_accel._core.metrics import RequestMetrics

__all__ = ["ENV_VAR", "StatsDSink", "make_statsd_sink", "parse_statsd_address", "sanitize_segment"]

ENV_VAR = "OPENAI_ACCEL_STATSD"

_log = logging.getLogger("openai_accel")

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_UNSAFE_PATH = re.compile(r"[^A-Za-z0-9_.-]")
_HOSTNAME = re.compile(r"[A-Za-z0-9_.-]+")
_BRACKETED = re.compile(r"\[([0-9A-Fa-f:.]+(?:%[A-Za-z0-9_.-]+)?)\]:([0-9]+)")


@functools.lru_cache(maxsize=512)
def sanitize_segment(value: str) -> str:
    """One safe metric-name segment: anything outside ``[A-Za-z0-9_-]`` -> ``_``.

    Cached because the same few model names and error types come back on every
    request; bounded so an unusual stream of distinct names cannot grow memory.
    """
    return _UNSAFE.sub("_", value) or "_"


def parse_statsd_address(spec: str) -> Tuple[str, int, bool]:
    """Split ``"host:port"`` / ``"[v6addr]:port"`` into ``(host, port, is_ipv6_literal)``.

    Raises ValueError with the accepted forms, so a typo in a setting is caught
    at construction rather than silently sending nowhere.
    """
    text = spec.strip()
    forms = "expected 'host:port', e.g. '127.0.0.1:8125', 'statsd.local:8125' or '[::1]:8125'"
    bracketed = _BRACKETED.fullmatch(text)
    if bracketed:
        host, port_text, ipv6 = bracketed.group(1), bracketed.group(2), True
    else:
        host, sep, port_text = text.rpartition(":")
        if not sep or not host:
            raise ValueError(f"invalid StatsD address {spec!r}: {forms}")
        if ":" in host:
            raise ValueError(
                f"invalid StatsD address {spec!r}: put IPv6 addresses in brackets; {forms}"
            )
        if not _HOSTNAME.fullmatch(host):
            raise ValueError(f"invalid StatsD host in {spec!r}: {forms}")
        ipv6 = False
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"invalid StatsD port in {spec!r} (1-65535): {forms}")
    return host, int(port_text), ipv6


def _resolve(host: str, port: int, ipv6: bool) -> Tuple[str, bool]:
    """Resolve once to a numeric address (IPv4 first, as StatsD daemons listen on udp4)."""
    families = (socket.AF_INET6,) if ipv6 else (socket.AF_INET, socket.AF_INET6)
    for family in families:
        try:
            infos = socket.getaddrinfo(host, port, family, socket.SOCK_DGRAM)
        except (OSError, UnicodeError):
            continue
        if infos:
            return str(infos[0][4][0]), family == socket.AF_INET6
    raise ValueError(f"cannot resolve StatsD host {host!r}")


class StatsDSink:
    """A :class:`~openai_accel._core.metrics.MetricsSink` writing StatsD lines.

    ``client`` is a ``statsd.StatsClient`` or anything with ``timing(name, ms)``,
    ``incr(name, count)`` and ``gauge(name, value)``; when it also has
    ``pipeline()`` one request is batched into one send. Names are built here
    (see the module docstring), so give the client no prefix of its own unless
    you want one in front of ``prefix``. ``owns_client`` makes :meth:`close`
    close it (set by :func:`make_statsd_sink`, which created it).
    """

    def __init__(self, client: Any, prefix: str = "openai_", *, owns_client: bool = False) -> None:
        if not isinstance(prefix, str) or _UNSAFE_PATH.search(prefix):
            raise ValueError(
                "metrics_prefix must contain only letters, digits, '_', '-' and '.', "
                f"got {prefix!r}"
            )
        missing = [m for m in ("timing", "incr", "gauge") if not callable(getattr(client, m, None))]
        if missing:
            raise TypeError(f"a StatsD client needs timing/incr/gauge methods; missing {missing}")
        self.client = client
        self.prefix = prefix
        self._owns_client = owns_client
        self._batches = callable(getattr(client, "pipeline", None))
        self._failure_logged = False

    def __repr__(self) -> str:
        return f"StatsDSink(client={self.client!r}, prefix={self.prefix!r})"

    def emit(self, m: RequestMetrics) -> None:
        """Send every metric of one finished request; never raises."""
        try:
            if self._batches:
                pipe = self.client.pipeline()
                self._write(pipe, m)
                pipe.send()
            else:
                self._write(self.client, m)
        except Exception:
            self._failed()

    def gauge(self, name: str, value: float) -> None:
        """Send ``<prefix><name>`` as a gauge (e.g. ``queue.running``); never raises."""
        try:
            self.client.gauge(self.prefix + _UNSAFE_PATH.sub("_", name), value)
        except Exception:
            self._failed()

    def close(self) -> None:
        """Release the socket if this sink created the client; never raises."""
        if self._owns_client:
            try:
                self.client.close()
            except Exception:
                self._failed()

    def _write(self, target: Any, m: RequestMetrics) -> None:
        base = f"{self.prefix}{sanitize_segment(m.request_type)}."
        self._write_block(target, base, m)
        if m.model:
            self._write_block(target, f"{base}model.{sanitize_segment(m.model)}.", m)

    @staticmethod
    def _write_block(target: Any, base: str, m: RequestMetrics) -> None:
        """One set of lines under ``base`` (which ends with a dot), in a fixed order."""
        target.incr(base + "requests")
        if m.success:
            target.incr(base + "success")
        else:
            target.incr(base + "errors")
            target.incr(base + "errors." + sanitize_segment(m.error_type or "unknown"))
        if m.duration is not None:
            target.timing(base + "duration", m.duration * 1000.0)
        if m.time_to_first_token is not None:
            target.timing(base + "time_to_first_token", m.time_to_first_token * 1000.0)
        if m.retry_count > 0:
            target.incr(base + "retries", m.retry_count)
        if m.input_tokens is not None:
            target.incr(base + "tokens.input", m.input_tokens)
        if m.output_tokens is not None:
            target.incr(base + "tokens.output", m.output_tokens)
        if m.total_tokens is not None:
            target.incr(base + "tokens.total", m.total_tokens)

    def _failed(self) -> None:
        # Once only: a dead or broken collector must not flood the caller's logs.
        if not self._failure_logged:
            self._failure_logged = True
            _log.debug("StatsD emission failed; further failures are not logged", exc_info=True)


def make_statsd_sink(
    spec: Any,
    prefix: str = "openai_",
    env: Optional[Mapping[str, str]] = None,
) -> Optional[StatsDSink]:
    """Build the sink for the ``statsd=`` argument, or None for no emission.

    ``spec``: ``"host:port"`` (IPv4, hostname or ``"[::1]:8125"``), a client
    object with ``timing``/``incr``/``gauge``, a ready :class:`StatsDSink`,
    ``False`` (off, ignoring the environment), or None, in which case the
    ``OPENAI_ACCEL_STATSD`` variable of ``env`` (default ``os.environ``) is
    used when set and non-empty. A bad string raises ValueError, an unusable
    object TypeError: configuration errors surface when the client is built.
    """
    source = "statsd="
    if spec is None:
        environ = os.environ if env is None else env
        value = environ.get(ENV_VAR, "").strip()
        if not value:
            return None
        spec, source = value, f"${ENV_VAR}"
    if spec is False:
        return None
    if isinstance(spec, StatsDSink):
        return spec
    if isinstance(spec, str):
        try:
            host, port, ipv6 = parse_statsd_address(spec)
            address, is_v6 = _resolve(host, port, ipv6)
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
        import statsd  # perf: only a client that emits pays for importing it

        client = statsd.StatsClient(address, port, prefix=None, ipv6=is_v6)
        sock = getattr(client, "_sock", None)
        if sock is not None:
            # A full socket buffer must drop metrics, not stall a request.
            sock.setblocking(False)
        return StatsDSink(client, prefix, owns_client=True)
    if isinstance(spec, (bytes, int, float)):
        raise ValueError(
            f"{source} must be 'host:port', a StatsD client object or None; got {spec!r}"
        )
    return StatsDSink(spec, prefix)
