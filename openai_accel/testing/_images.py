"""``POST /v1/images/generations``: per-model validation and real PNG files.

Each image is a valid PNG of the requested size (``auto`` means 1024x1024): a
vertical gradient between two colours derived from a hash of the prompt and the
image's index, so the same prompt draws the same picture. Rows of one colour
compress to almost nothing, which keeps even 1792x1024 images cheap to make.
``response_format: "url"`` points at ``GET /v1/_files/images/<id>.png`` on the
emulator itself; GPT image models always answer ``b64_json`` and add the
``background``/``output_format``/``quality``/``size``/``usage`` fields.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import _errors as err
from ._catalog import image_known
from ._wire import count_tokens, stable_hash, wordset

KNOWN_PARAMETERS = wordset(
    """
    prompt model n quality response_format output_format output_compression stream
    partial_images size moderation background style user
    """
)
SIZES = {
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
    "dall-e-3": ("1024x1024", "1792x1024", "1024x1792"),
    "gpt-image": ("1024x1024", "1536x1024", "1024x1536", "auto"),
}
QUALITIES = {
    "dall-e-3": ("standard", "hd"),
    "gpt-image": ("low", "medium", "high", "auto"),
}
PROMPT_LIMITS = {"dall-e-2": 1000, "dall-e-3": 4000, "gpt-image": 32000}
# Parameters only some models take; others reject them as unknown (as recorded).
_ONLY_FOR = {
    "quality": ("dall-e-3", "gpt-image"),
    "style": ("dall-e-3",),
    "response_format": ("dall-e-2", "dall-e-3"),
    "output_format": ("gpt-image",),
    "output_compression": ("gpt-image",),
    "background": ("gpt-image",),
    "moderation": ("gpt-image",),
    "partial_images": ("gpt-image",),
    "stream": ("gpt-image",),
}


def family(model: str) -> str:
    return "gpt-image" if model.startswith("gpt-image") else model


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def make_png(width: int, height: int, seed: int) -> bytes:
    """A real RGB PNG: signature, IHDR, one zlib-compressed IDAT, IEND."""
    top = ((seed >> 16) & 0xFF, (seed >> 8) & 0xFF, seed & 0xFF)
    bottom = ((seed >> 40) & 0xFF, (seed >> 32) & 0xFF, (seed >> 24) & 0xFF)
    rows = []
    for y in range(height):
        t = y / max(1, height - 1)
        pixel = bytes(int(a + (b - a) * t) for a, b in zip(top, bottom))
        rows.append(b"\x00" + pixel * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + _chunk(b"IEND", b"")
    )


def validate(body: Any) -> None:
    if not isinstance(body, Mapping):
        raise err.invalid_json()
    for key in body:
        if key not in KNOWN_PARAMETERS:
            raise err.unknown_parameter(key)
    if "prompt" not in body:
        raise err.missing_parameter("prompt")
    prompt = body["prompt"]
    if not isinstance(prompt, str):
        raise err.invalid_type("prompt", "a string", prompt)
    model = body.get("model") or "dall-e-2"
    if not isinstance(model, str) or not image_known(model):
        raise err.model_not_found(str(model))
    kind = family(model)
    for key, families in _ONLY_FOR.items():
        if body.get(key) is not None and kind not in families:
            raise err.unknown_parameter(key)
    if len(prompt) > PROMPT_LIMITS[kind]:
        raise err.string_too_long("prompt", len(prompt), PROMPT_LIMITS[kind])
    size = body.get("size")
    if size is not None and size not in SIZES[kind]:
        raise err.invalid_value("size", size, SIZES[kind])
    quality = body.get("quality")
    if quality is not None and quality not in QUALITIES.get(kind, ()):
        raise err.invalid_value("quality", quality, QUALITIES.get(kind, ()))
    style = body.get("style")
    if style is not None and style not in ("vivid", "natural"):
        raise err.invalid_value("style", style, ("vivid", "natural"))
    fmt = body.get("response_format")
    if fmt is not None and fmt not in ("url", "b64_json"):
        raise err.invalid_value("response_format", fmt, ("url", "b64_json"))
    n = body.get("n")
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, int):
            raise err.invalid_type("n", "an integer", n)
        if n < 1:
            raise err.below_minimum("n", n, 1)
        limit = 1 if kind == "dall-e-3" else 10
        if n > limit:
            raise err.above_maximum("n", n, limit)


def _dimensions(size: str) -> Tuple[int, int]:
    if size == "auto":
        return 1024, 1024
    width, _, height = size.partition("x")
    return int(width), int(height)


def generate(
    body: Mapping[str, Any], created: int, image_ids: List[str], store_url: Optional[str]
) -> Tuple[Dict[str, Any], Dict[str, bytes]]:
    """The response body, and the PNGs to serve by id when answering with URLs.

    ``image_ids`` supplies one fresh id per image; ``store_url`` is the URL prefix
    the emulator serves stored images under.
    """
    model = str(body.get("model") or "dall-e-2")
    kind = family(model)
    prompt = str(body["prompt"])
    size = str(body.get("size") or ("auto" if kind == "gpt-image" else "1024x1024"))
    width, height = _dimensions(size)
    as_url = kind != "gpt-image" and body.get("response_format", "url") in (None, "url")
    stored: Dict[str, bytes] = {}
    data: List[Dict[str, Any]] = []
    for index, image_id in enumerate(image_ids):
        png = make_png(width, height, stable_hash("image", model, prompt, str(index)))
        item: Dict[str, Any] = {}
        if kind == "dall-e-3":
            item["revised_prompt"] = f"{prompt.rstrip('.')}, rendered as a detailed illustration."
        if as_url and store_url is not None:
            stored[image_id] = png
            item["url"] = f"{store_url}/{image_id}.png"
        else:
            item["b64_json"] = base64.b64encode(png).decode("ascii")
        data.append(item)
    result: Dict[str, Any] = {"created": created, "data": data}
    if kind == "gpt-image":
        text_tokens = count_tokens(prompt)
        output_tokens = 272 * len(data)
        result.update(
            {
                "background": body.get("background")
                if body.get("background") in ("transparent", "opaque")
                else "opaque",
                "output_format": body.get("output_format") or "png",
                "quality": body.get("quality")
                if body.get("quality") in ("low", "medium", "high")
                else "medium",
                "size": "1024x1024" if size == "auto" else size,
                "usage": {
                    "total_tokens": text_tokens + output_tokens,
                    "input_tokens": text_tokens,
                    "output_tokens": output_tokens,
                    "input_tokens_details": {"text_tokens": text_tokens, "image_tokens": 0},
                },
            }
        )
    return result, stored
