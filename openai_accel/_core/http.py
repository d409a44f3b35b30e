"""Plain data for one HTTP exchange, shared by the core and every transport.

The core builds :class:`HttpRequest` values and reads :class:`HttpResponse`
values; transports only move them over the wire. Headers on a response are a
:class:`Headers` mapping with lower-cased names so that the core never has to
care which HTTP library produced them.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Iterable, Iterator, Mapping, Optional, Protocol, Tuple, Union

import attrs

__all__ = [
    "AsyncByteStream",
    "Body",
    "Headers",
    "HttpRequest",
    "HttpResponse",
    "StreamingBody",
    "SyncByteStream",
    "Timeout",
]


class Headers(Dict[str, str]):
    """A dict whose keys are lower-cased header names (lookups must be lower-case too)."""

    @classmethod
    def from_pairs(cls, pairs: Iterable[Tuple[str, str]]) -> Headers:
        """Lower-cased names; a repeated header's values joined with ", " (RFC 9110)."""
        pairs = list(pairs)
        headers = cls({name.lower(): value for name, value in pairs})
        if len(headers) == len(pairs):  # perf: the usual case, no name repeated
            return headers
        headers = cls()
        for name, value in pairs:
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        return headers


def _seconds(instance: object, attribute: Any, value: object) -> None:
    """A limit is ``None`` or a finite number of seconds above zero.

    Checked when the Timeout is built (once per client, once per call that
    passes ``timeout=``), so both transports receive the same, valid values:
    requests would refuse 0 on every call while aiohttp reads it as "no limit".
    """
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"timeout {attribute.name} must be a number of seconds or None, "
            f"got {type(value).__name__} {value!r:.40}"
        )
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(
            f"timeout {attribute.name} must be a finite number of seconds above 0 "
            f"(None for no limit), got {value!r}"
        )


@attrs.frozen
class Timeout:
    """Connect and read limits in seconds (``None`` = no limit)."""

    connect: Optional[float] = attrs.field(default=None, validator=_seconds)
    read: Optional[float] = attrs.field(default=None, validator=_seconds)

    @classmethod
    def of(
        cls, value: Union[float, Tuple[Optional[float], Optional[float]], Timeout, None]
    ) -> Timeout:
        """Accept one number (both limits), a ``(connect, read)`` pair or a Timeout.

        Anything else, and any limit that is not ``None`` or a finite positive
        number, raises ``TypeError`` / ``ValueError``.
        """
        if isinstance(value, Timeout):
            return value
        if isinstance(value, (tuple, list)):
            if len(value) != 2:
                raise ValueError(
                    f"timeout as a sequence must be (connect, read), got {len(value)} values"
                )
            return cls(value[0], value[1])
        return cls(value, value)


class StreamingBody(Protocol):
    """A request body produced in pieces (a multipart upload streamed from disk).

    ``chunks()`` must start again from the beginning on every call, so that a
    retried request re-sends the whole body.
    """

    @property
    def content_length(self) -> int: ...

    def chunks(self) -> Iterator[bytes]: ...


Body = Union[None, bytes, StreamingBody]


@attrs.define(slots=True)
class HttpRequest:
    method: str
    url: str
    headers: Dict[str, str]
    body: Body = None
    timeout: Timeout = Timeout()
    #: When true the transport returns as soon as the headers arrive and leaves
    #: the body to be read chunk by chunk through ``HttpResponse.stream``.
    stream: bool = False


class SyncByteStream(Protocol):
    def read_chunk(self) -> bytes:
        """The next piece of the body; ``b""`` once it is exhausted."""
        ...

    def close(self) -> None: ...


class AsyncByteStream(Protocol):
    async def read_chunk(self) -> bytes: ...

    def close(self) -> None:
        """Synchronous on purpose: a flow's ``finally`` block (which cannot await)
        must be able to give the connection back, even when a generator is
        closed by the garbage collector."""
        ...


@attrs.define(slots=True)
class HttpResponse:
    status: int
    headers: Headers
    #: The whole body (empty for a streamed response).
    content: bytes = b""
    #: Set for a streamed response: a SyncByteStream or an AsyncByteStream.
    stream: Any = None
    #: Informational: the transport's own elapsed time, if it measured one.
    elapsed: Optional[float] = None

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name, default)


def lower_headers(headers: Mapping[str, str]) -> Headers:
    return Headers.from_pairs(headers.items())
