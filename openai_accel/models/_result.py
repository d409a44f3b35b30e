"""What every result offers besides its data: the reply's headers, rate limits and JSON.

Reply models mix in :class:`ApiResult` (``.headers``, ``.rate_limits``,
``.to_dict()`` / ``.model_dump()`` like the official SDK's objects). Results
that are plain values (embedding vectors, speech bytes, a text transcript, the
model list) are subclasses of ``list`` / ``bytes`` / ``str`` carrying the same
attributes, so code that treats them as plain values keeps working.

``rate_limits`` is parsed on access, never on the hot path of a call.
"""

from __future__ import annotations

import copy
import json
import os
from typing import IO, Any, Dict, Iterable, List, Mapping, Optional, TypeVar, Union

from .._core.rate_headers import RateLimitInfo, parse_rate_limit_headers

__all__ = [
    "ApiResult",
    "AudioBytes",
    "EmbeddingVectors",
    "RawDict",
    "ResultBytes",
    "ResultList",
    "ResultStr",
]

T = TypeVar("T")
_NO_HEADERS: Mapping[str, str] = {}


class RawDict:
    """``to_dict()`` / ``model_dump()`` / ``to_json()``: the reply's JSON (``.raw``), copied."""

    __slots__ = ()
    raw: Dict[str, Any]

    def to_dict(self) -> Dict[str, Any]:
        """The reply's JSON as a new dict (mutating it does not touch the result)."""
        return copy.deepcopy(self.raw)

    def model_dump(self, **_ignored: Any) -> Dict[str, Any]:
        """The official SDK's name for :meth:`to_dict` (its pydantic options are ignored)."""
        return self.to_dict()

    def to_json(self, *, indent: Optional[int] = 2) -> str:
        return json.dumps(self.raw, indent=indent, ensure_ascii=False)

    def model_dump_json(self, *, indent: Optional[int] = None, **_ignored: Any) -> str:
        return self.to_json(indent=indent)


class HasHeaders:
    """``.rate_limits``: the ``x-ratelimit-*`` values of ``.headers`` (lower-case names)."""

    __slots__ = ()
    headers: Mapping[str, str]

    @property
    def rate_limits(self) -> RateLimitInfo:
        return parse_rate_limit_headers(self.headers)


class ApiResult(RawDict, HasHeaders):
    """Mixed into reply models: the JSON, the headers and the rate limits."""

    __slots__ = ()


class _Carrier(HasHeaders):
    """Shared by the value subclasses: where headers and request id are kept."""

    headers: Mapping[str, str]
    request_id: Optional[str]

    def _carry(self, headers: Optional[Mapping[str, str]], request_id: Optional[str]) -> None:
        self.headers = headers if headers is not None else _NO_HEADERS
        self.request_id = request_id if request_id is not None else self.headers.get("x-request-id")


class ResultList(List[T], _Carrier):
    """A list result (the model list, embedding vectors) with ``.headers``."""

    def __init__(
        self,
        items: Iterable[T] = (),
        headers: Optional[Mapping[str, str]] = None,
        request_id: Optional[str] = None,
    ) -> None:
        super().__init__(items)
        self._carry(headers, request_id)

    @property
    def data(self) -> List[T]:
        """The items, as the official SDK's pages call them."""
        return self


class EmbeddingVectors(ResultList[List[float]]):
    """One vector per input (plain float lists), plus the reply's ``model`` and ``usage``."""

    model: Optional[str] = None
    usage: Optional[Dict[str, Any]] = None


class ResultBytes(bytes, _Carrier):
    """A bytes result (an image download) with ``.headers``."""

    def __new__(
        cls,
        data: bytes = b"",
        headers: Optional[Mapping[str, str]] = None,
        request_id: Optional[str] = None,
    ) -> ResultBytes:
        obj = super().__new__(cls, data)
        obj._carry(headers, request_id)
        return obj


class AudioBytes(ResultBytes):
    """Speech audio: bytes, plus what the official SDK's binary reply offers."""

    @property
    def content(self) -> bytes:
        return bytes(self)

    def read(self) -> bytes:
        return bytes(self)

    def write_to_file(self, file: Union[str, os.PathLike[str], IO[bytes]]) -> None:
        """Write the audio to a path or a binary file object."""
        if hasattr(file, "write"):
            file.write(self)
            return
        with open(file, "wb") as handle:
            handle.write(self)


class ResultStr(str, _Carrier):
    """A text result (a ``text``/``srt``/``vtt`` transcript) with ``.headers``."""

    def __new__(
        cls,
        text: str = "",
        headers: Optional[Mapping[str, str]] = None,
        request_id: Optional[str] = None,
    ) -> ResultStr:
        obj = super().__new__(cls, text)
        obj._carry(headers, request_id)
        return obj
