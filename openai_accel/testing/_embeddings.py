"""``POST /v1/embeddings``: deterministic unit vectors derived from the input.

Each input gets a vector seeded by a hash of its text (or token ids) and the
model, so the same text always embeds the same way and different texts almost
never collide. ``dimensions`` truncates the model's full vector and
renormalises it, which is what the text-embedding-3 models do, so a shortened
embedding is a prefix (up to scale) of the full one. Values are rounded to
float32, so the float and ``base64`` (little-endian float32) encodings carry
exactly the same numbers.
"""

from __future__ import annotations

import base64
import functools
import math
import random
import struct
import sys
from array import array
from typing import Any, Dict, List, Mapping, Tuple, Union

from . import _errors as err
from ._catalog import EMBEDDING_MODELS, EMBEDDING_SERVED
from ._wire import count_tokens, stable_hash

KNOWN_PARAMETERS = frozenset(("input", "model", "encoding_format", "dimensions", "user"))
MAX_INPUTS = 2048

InputItem = Union[str, Tuple[int, ...]]


def _inputs(raw: Any) -> List[InputItem]:
    """Normalise ``input``: a string, strings, a token array, or token arrays."""
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw:
        if all(isinstance(x, int) and not isinstance(x, bool) for x in raw):
            return [tuple(raw)]
        items: List[InputItem] = []
        for index, item in enumerate(raw):
            if isinstance(item, str):
                items.append(item)
            elif isinstance(item, list) and all(
                isinstance(x, int) and not isinstance(x, bool) for x in item
            ):
                items.append(tuple(item))
            else:
                raise err.invalid_type(f"input[{index}]", "a string or an array of integers", item)
        return items
    if isinstance(raw, list):
        raise err.ApiError(
            400,
            "'$.input' is invalid. Please check the API reference: "
            "https://platform.openai.com/docs/api-reference.",
        )
    raise err.invalid_type("input", "a string or an array", raw)


def validate(body: Any) -> None:
    err.check_body(body, KNOWN_PARAMETERS, ("input", "model"))
    inputs = _inputs(body["input"])
    if len(inputs) > MAX_INPUTS:
        raise err.above_maximum("input", len(inputs), MAX_INPUTS)
    for index, item in enumerate(inputs):
        if isinstance(item, str) and not item:
            raise err.ApiError(
                400,
                "'$.input' is invalid. Please check the API reference: "
                "https://platform.openai.com/docs/api-reference.",
                param=f"input[{index}]" if len(inputs) > 1 else "input",
            )
    model = body["model"]
    if not isinstance(model, str) or model not in EMBEDDING_MODELS:
        raise err.model_not_found(str(model))
    fmt = body.get("encoding_format")
    if fmt is not None and fmt not in ("float", "base64"):
        raise err.invalid_value("encoding_format", fmt, ("float", "base64"))
    dims = body.get("dimensions")
    if dims is not None:
        if isinstance(dims, bool) or not isinstance(dims, int):
            raise err.invalid_type("dimensions", "an integer", dims)
        if dims < 1:
            # the recorded wording: code and param are both null
            raise err.ApiError(400, f"{dims} is less than the minimum of 1 - 'dimensions'")
        if not model.startswith("text-embedding-3"):
            raise err.ApiError(
                400,
                "This model does not support specifying dimensions.",
                param="dimensions",
            )
        if dims > EMBEDDING_MODELS[model]:
            raise err.above_maximum("dimensions", dims, EMBEDDING_MODELS[model])


@functools.lru_cache(maxsize=2048)
def _full_vector(model: str, item: InputItem) -> Tuple[float, ...]:
    seed_text = item if isinstance(item, str) else "tokens:" + ",".join(map(str, item))
    rng = random.Random(stable_hash("embedding", model, seed_text))
    size = EMBEDDING_MODELS[model]
    return tuple(rng.random() * 2.0 - 1.0 for _ in range(size))


def vector(model: str, item: InputItem, dimensions: int) -> List[float]:
    """The unit vector for one input, rounded to float32 (cached: tests repeat inputs)."""
    full = _full_vector(model, item)[:dimensions]
    norm = math.sqrt(sum(v * v for v in full)) or 1.0
    packed = struct.pack(f"<{dimensions}f", *(v / norm for v in full))
    return [float(f"{v:.9g}") for v in struct.unpack(f"<{dimensions}f", packed)]


def _base64(values: List[float]) -> str:
    data = array("f", values)
    if sys.byteorder != "little":
        data.byteswap()
    return base64.b64encode(data.tobytes()).decode("ascii")


def _tokens(item: InputItem) -> int:
    return len(item) if isinstance(item, tuple) else max(1, count_tokens(item))


def response_body(body: Mapping[str, Any]) -> Tuple[Dict[str, Any], int]:
    """The embeddings list object for a validated request, and its token count."""
    model = str(body["model"])
    inputs = _inputs(body["input"])
    dims = body.get("dimensions") or EMBEDDING_MODELS[model]
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, item in enumerate(inputs):
        values = vector(model, item, int(dims))
        embedding: Any = _base64(values) if as_base64 else values
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(_tokens(item) for item in inputs)
    return (
        {
            "object": "list",
            "data": data,
            "model": EMBEDDING_SERVED.get(model, model),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        },
        tokens,
    )
