"""Embeddings: one vector per input, in input order, fetched as base64 by default.

Why base64: a float32 costs 4 bytes in base64 (~5.3 characters) against ~20
characters as a JSON number, so a 1536-dimension vector shrinks from ~33 KB to
~8 KB on the wire and skips parsing 1536 JSON floats. The decoding needs no
numpy: ``array('f')`` reads the little-endian float32 the API sends.
"""

from __future__ import annotations

import base64
import binascii
import math
import sys
from array import array
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from .._core.context import ClientCore
from .._core.effects import Flow
from .._core.endpoints import ENDPOINTS
from .._core.pipeline import Exchange, call_json
from .._core.request import ApiCall, split_options
from ..errors import BadRequestError, InvalidResponseError
from ..model_info import embedding_dimensions
from ..models._result import EmbeddingVectors
from ..models.misc import check_usage

__all__ = ["DEFAULT_EMBEDDING_MODEL", "decode_base64_vector", "embedding"]

DEFAULT_EMBEDDING_MODEL = "text-embedding-3-small"

#: What ``embedding`` accepts: a text, texts, a token array or token arrays.
EmbeddingInput = Union[str, Sequence[str], Sequence[int], Sequence[Sequence[int]]]

_ENCODINGS = ("float", "base64")
_BIG_ENDIAN = sys.byteorder == "big"


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_tokens(tokens: Any, param: str) -> None:
    if not tokens:
        raise BadRequestError(f"{param} is an empty token array", param=param)
    for position, token in enumerate(tokens):
        if not _is_token(token) or token < 0:
            raise BadRequestError(
                f"{param}[{position}] must be a non-negative integer token, got {token!r:.80}",
                param=param,
            )


def _input_count(value: Any) -> int:
    """How many vectors ``value`` asks for; raises BadRequestError for bad input.

    Checked here because the server's answer to an empty or mixed input is a
    vague 400, and a caller's bug should not cost a round trip.
    """
    if isinstance(value, str):
        if not value:
            raise BadRequestError("input is an empty string", param="input")
        return 1
    if isinstance(value, (bytes, bytearray)) or not isinstance(value, Sequence):
        raise BadRequestError(
            "input must be a string, a list of strings, or token arrays (lists of int), "
            f"not {type(value).__name__}",
            param="input",
        )
    if not value:
        raise BadRequestError("input is an empty list", param="input")
    first = value[0]
    if _is_token(first):  # one token array: one vector
        _check_tokens(value, "input")
        return 1
    if isinstance(first, str):
        for position, item in enumerate(value):
            if not isinstance(item, str):
                raise BadRequestError(
                    f"input[{position}] must be a string like the other items, "
                    f"got {type(item).__name__}",
                    param="input",
                )
            if not item:
                raise BadRequestError(f"input[{position}] is an empty string", param="input")
        return len(value)
    for position, item in enumerate(value):
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence):
            raise BadRequestError(
                f"input[{position}] must be a string or a token array, got {type(item).__name__}",
                param="input",
            )
        _check_tokens(item, f"input[{position}]")
    return len(value)


def _check_dimensions(dimensions: Any, model: str) -> None:
    if not _is_token(dimensions) or dimensions < 1:
        raise BadRequestError(
            f"dimensions must be a positive integer, got {dimensions!r}", param="dimensions"
        )
    native = embedding_dimensions(model)
    if native is not None and dimensions > native:
        raise BadRequestError(
            f"dimensions={dimensions} exceeds the {native} dimensions of {model}",
            param="dimensions",
        )


def decode_base64_vector(encoded: str) -> List[float]:
    """Decode the API's base64 embedding: little-endian float32 values."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidResponseError(f"embedding is not valid base64: {exc}") from exc
    if len(raw) % 4:
        raise InvalidResponseError(
            f"base64 embedding has {len(raw)} bytes, not a whole number of float32 values"
        )
    values = array("f")
    values.frombytes(raw)
    if _BIG_ENDIAN:
        values.byteswap()
    if _has_non_finite_float32(raw):
        _refuse_non_finite(values)
    return values.tolist()


# A little-endian float32 is NaN or infinite when its 8 exponent bits are all
# ones: the low 7 bits of byte 3 and the top bit of byte 2. These tables mark
# such bytes, so the check runs in C (slices, translate, one big-int AND)
# instead of a Python loop over every value.
_EXPONENT_HIGH = bytes(int(b & 0x7F == 0x7F) for b in range(256))
_EXPONENT_LOW = bytes(int(b & 0x80 == 0x80) for b in range(256))


def _has_non_finite_float32(raw: bytes) -> bool:
    high = int.from_bytes(raw[3::4].translate(_EXPONENT_HIGH), "little")
    return bool(high and high & int.from_bytes(raw[2::4].translate(_EXPONENT_LOW), "little"))


def _refuse_non_finite(values: Sequence[float]) -> None:
    """Raise for the first NaN or infinity (the sum alone may overflow on huge values)."""
    for position, value in enumerate(values):
        if not math.isfinite(value):
            raise InvalidResponseError(f"embedding value {position} is {value!r}, not finite")


def _float_vector(item: Any) -> List[float]:
    """A JSON array of finite numbers as floats; InvalidResponseError for anything else.

    ``sum`` over the values is the one C loop that refuses what is not a
    number (text, null, arrays) and, being finite, proves every value is; an
    integer too large for a float (a 400-digit literal) is refused rather than
    raising OverflowError. Booleans count as 0 and 1, as in JSON-minded servers.
    """
    if type(item) is not list:
        raise InvalidResponseError(
            f"embedding is neither base64 text nor an array of numbers, got {type(item).__name__}"
        )
    try:
        total = sum(item)
        vector = list(map(float, item))
        finite = math.isfinite(total)
    except TypeError:
        raise InvalidResponseError("embedding array holds values that are not numbers") from None
    except OverflowError:
        raise InvalidResponseError("embedding holds a number too large for a float") from None
    if not finite:  # a NaN or infinity, or finite values whose sum overflowed
        _refuse_non_finite(vector)
    return vector


def _vector(item: Any) -> List[float]:
    if isinstance(item, str):
        return decode_base64_vector(item)
    # A server that ignores encoding_format (some compatible ones do) sends floats.
    return _float_vector(item)


def _vectors(expected: int) -> Callable[[Any, Exchange], List[List[float]]]:
    """A parser placing each ``data[i].embedding`` at its ``index``.

    Reads the decoded JSON directly rather than structuring it into models:
    a batch carries thousands of floats, and running each through a
    converter would cost more than the network saved by base64.
    """

    def parse(data: Any, exchange: Exchange) -> List[List[float]]:
        def invalid(message: str) -> InvalidResponseError:
            return InvalidResponseError(message, body=data, request_id=exchange.request_id)

        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise invalid("the embeddings reply has no 'data' list")
        vectors: List[Optional[List[float]]] = [None] * expected
        for item in items:
            index: Any = item.get("index") if isinstance(item, dict) else None
            if not _is_token(index) or not 0 <= index < expected or vectors[index] is not None:
                raise invalid(
                    f"embedding index {index!r} does not match one of the {expected} inputs"
                )
            try:
                vectors[index] = _vector(item.get("embedding"))
            except InvalidResponseError as exc:
                raise invalid(f"data[{index}]: {exc.message}") from None
        check_usage(data, request_id=exchange.request_id)  # the counts go to the metrics
        missing = [index for index, vector in enumerate(vectors) if vector is None]
        if missing:
            raise invalid(f"the reply has no embedding for inputs {missing[:20]}")
        result = EmbeddingVectors(
            (vector for vector in vectors if vector is not None), exchange.response.headers
        )
        result.model = data.get("model")
        result.usage = data.get("usage")
        return result

    return parse


def embedding(
    ctx: ClientCore,
    /,
    text_or_texts: EmbeddingInput,
    *,
    model: str = DEFAULT_EMBEDDING_MODEL,
    dimensions: Optional[int] = None,
    encoding_format: Optional[str] = None,
    **extra: Any,
) -> Flow[List[List[float]]]:
    """Embed a text (or texts, or token arrays): one vector per input, in input order.

    The vectors are requested as base64 and decoded locally (about 4x less
    data than JSON floats) unless ``encoding_format="float"`` is passed; a
    server that answers with float lists anyway works too. The result is
    always lists of floats. Token arrays (a list of ints, or a list of such
    lists) are sent unchanged. An empty input, an empty or non-string item,
    or a non-positive ``dimensions`` raise ``BadRequestError`` before anything
    is sent. Other keyword arguments go into the JSON body (``user``, ...).
    """
    expected = _input_count(text_or_texts)
    if dimensions is not None:
        _check_dimensions(dimensions, model)
    if encoding_format is not None and encoding_format not in _ENCODINGS:
        raise BadRequestError(
            f"encoding_format must be 'float' or 'base64', got {encoding_format!r}",
            param="encoding_format",
        )
    options, body_extra = split_options(extra)
    body: Dict[str, Any] = {
        "input": text_or_texts if isinstance(text_or_texts, str) else list(text_or_texts),
        "model": model,
        "encoding_format": encoding_format or "base64",
    }
    if dimensions is not None:
        body["dimensions"] = dimensions
    body.update(body_extra)
    call = ApiCall(ENDPOINTS["embedding"], options, json=body, model=model)
    return (yield from call_json(ctx, call, _vectors(expected)))
