"""Read a successful reply body according to its endpoint's reply kind. Pure."""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidResponseError
from .http import HttpResponse

__all__ = ["decode_json", "is_json"]


def is_json(response: HttpResponse) -> bool:
    content_type = response.headers.get("content-type", "")
    return "json" in content_type


def decode_json(response: HttpResponse) -> Any:
    """The reply as JSON; a body that is not JSON is a typed error, never a crash."""
    try:
        return json.loads(response.content)
    except ValueError as exc:
        excerpt = response.content[:200].decode("utf-8", errors="replace")
        raise InvalidResponseError(
            f"expected JSON from the server, got {excerpt!r}",
            status_code=response.status,
            request_id=response.headers.get("x-request-id"),
            body=excerpt,
        ) from exc
