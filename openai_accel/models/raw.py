"""The reply of ``client.request(...)``: status, headers and body, as received."""

from __future__ import annotations

import json as _json
from typing import Any, Mapping, Optional

import attrs

from ._result import HasHeaders

__all__ = ["RawResponse"]


@attrs.define(eq=False)
class RawResponse(HasHeaders):
    """A 2xx reply to ``client.request``; ``.headers`` has lower-case names."""

    status_code: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    content: bytes = attrs.field(repr=False)

    @property
    def request_id(self) -> Optional[str]:
        return self.headers.get("x-request-id")

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body decoded as JSON (``ValueError`` when it is not JSON)."""
        return _json.loads(self.content)
