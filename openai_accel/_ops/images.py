"""Image generation, and fetching a generated image's bytes."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

from .._core.context import ClientCore
from .._core.effects import Flow
from .._core.endpoints import ENDPOINTS
from .._core.pipeline import Exchange, call_json, call_raw
from .._core.request import ApiCall, split_options
from ..errors import BadRequestError, InvalidResponseError
from ..models._base import structure
from ..models._result import ResultBytes
from ..models.misc import ImageData, ImageResponse, check_usage

__all__ = ["get_image_bytes", "text_to_image"]

DEFAULT_IMAGE_MODEL = "dall-e-3"
_RESPONSE_FORMATS = ("url", "b64_json")


def _parse(data: Any, exchange: Exchange) -> ImageResponse:
    response = structure(
        data, ImageResponse, request_id=exchange.request_id, headers=exchange.response.headers
    )
    check_usage(data, request_id=exchange.request_id)
    return response


def text_to_image(
    ctx: ClientCore,
    /,
    prompt: str,
    *,
    model: str = DEFAULT_IMAGE_MODEL,
    size: Optional[str] = None,
    style: Optional[str] = None,
    quality: Optional[str] = None,
    n: Optional[int] = None,
    response_format: Optional[str] = None,
    **extra: Any,
) -> Flow[ImageResponse]:
    """Generate images from a prompt: ``.data[i].url`` / ``.b64_json`` / ``.revised_prompt``.

    Options left at ``None`` are not sent, so each model's own defaults
    apply (and models that reject an option, such as ``style`` on dall-e-2,
    never see it). ``get_image_bytes`` turns an item into image bytes
    whichever way it was delivered. Other keyword arguments go into the JSON
    body.
    """
    if not isinstance(prompt, str) or not prompt.strip():
        raise BadRequestError("prompt must be a non-empty string", param="prompt")
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise BadRequestError(f"n must be a positive integer, got {n!r}", param="n")
    if response_format is not None and response_format not in _RESPONSE_FORMATS:
        raise BadRequestError(
            f"response_format must be 'url' or 'b64_json', got {response_format!r}",
            param="response_format",
        )
    body: Dict[str, Any] = {"prompt": prompt, "model": model}
    for name, value in (
        ("size", size),
        ("style", style),
        ("quality", quality),
        ("n", n),
        ("response_format", response_format),
    ):
        if value is not None:
            body[name] = value
    options, body_extra = split_options(extra)
    body.update(body_extra)
    call = ApiCall(ENDPOINTS["image"], options, json=body, model=model)
    return (yield from call_json(ctx, call, _parse))


def _downloaded(exchange: Exchange) -> bytes:
    content = exchange.response.content
    if not content:
        raise InvalidResponseError(
            "the image download returned an empty body", status_code=exchange.response.status
        )
    return ResultBytes(content, exchange.response.headers)


def get_image_bytes(ctx: ClientCore, /, image: ImageData, **extra: Any) -> Flow[bytes]:
    """The bytes of a generated image: ``b64_json`` decoded, or ``url`` downloaded.

    The download goes through this client's transport, retries and metrics
    (``request_type="image_download"``), but without the API key: image URLs
    point at blob storage, which must never see it. Only ``timeout``,
    ``extra_headers`` and the retry options apply.
    """
    options, unknown = split_options(extra)
    if unknown:
        raise TypeError(f"get_image_bytes() got unexpected keyword arguments: {sorted(unknown)}")
    if image.b64_json:
        try:
            return base64.b64decode(image.b64_json, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise BadRequestError(
                f"image.b64_json is not valid base64: {exc}", param="b64_json"
            ) from exc
    url = image.url
    if not url:
        raise BadRequestError("image has neither b64_json nor url", param="image")
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise BadRequestError(f"image.url must be an http(s) URL, got {url!r:.100}", param="url")
    call = ApiCall(ENDPOINTS["image_download"], options, url=url)
    return (yield from call_raw(ctx, call, _downloaded))
