"""Moderation and image replies (embeddings are read straight into vectors)."""

from typing import Any, Dict, List, Mapping, Optional

import attrs

from ..errors import InvalidResponseError
from ._base import explain, library_field, structure
from ._result import ApiResult, RawDict


@attrs.define
class ModerationResult:
    __wire_required__ = ("flagged",)

    flagged: bool = False
    categories: Dict[str, bool] = attrs.field(factory=dict)
    category_scores: Dict[str, float] = attrs.field(factory=dict)
    #: Omni models only: which input types (text, image) each category was judged on.
    category_applied_input_types: Optional[Dict[str, List[str]]] = None


@attrs.define
class ModerationResponse(ApiResult):
    __wire_required__ = ("results",)

    id: str = ""
    model: str = ""
    results: List[ModerationResult] = attrs.field(factory=list)
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    headers: Mapping[str, str] = library_field(factory=dict)

    @property
    def flagged(self) -> bool:
        """True when any input was flagged."""
        return any(result.flagged for result in self.results)


@attrs.define
class UsageCounts:
    """The counts any ``usage`` object may carry, checked by the converter's rules.

    Replies whose ``usage`` stays a plain dict (embeddings, images, audio) are
    checked against this before the counts reach the metrics: a boolean, a
    string or a 400-digit number there is an invalid reply, like in chat.
    """

    prompt_tokens: Optional[int] = None
    completion_tokens: Optional[int] = None
    input_tokens: Optional[int] = None
    output_tokens: Optional[int] = None
    total_tokens: Optional[int] = None
    seconds: Optional[float] = None


def check_usage(data: Any, *, request_id: Optional[str] = None) -> None:
    """InvalidResponseError when ``data["usage"]`` is present and not a valid usage object."""
    usage = data.get("usage") if isinstance(data, dict) else None
    if usage is None:
        return
    if not isinstance(usage, dict):
        reason = f": expected an object, got {type(usage).__name__}"
    else:
        try:
            structure(usage, UsageCounts)
            return
        except InvalidResponseError:
            reason = "." + explain(usage, UsageCounts)
    raise InvalidResponseError(
        f"reply has an invalid usage: usage{reason}", body=data, request_id=request_id
    )


@attrs.define
class ImageData:
    #: An image arrives as a link or as base64: one of the two is always there.
    __wire_required__ = (("url", "b64_json"),)

    url: Optional[str] = None
    b64_json: Optional[str] = None
    revised_prompt: Optional[str] = None


@attrs.define
class ImageResponse(ApiResult):
    __wire_required__ = ("data",)

    created: int = 0
    data: List[ImageData] = attrs.field(factory=list)
    usage: Optional[Dict[str, Any]] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    headers: Mapping[str, str] = library_field(factory=dict)


@attrs.define
class ModelCard(RawDict):
    """One entry of the model list."""

    __wire_required__ = ("id",)

    id: str = ""
    created: int = 0
    owned_by: str = ""
    raw: Dict[str, Any] = library_field(factory=dict)
