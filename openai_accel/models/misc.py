"""Moderation and image replies (embeddings are read straight into vectors)."""

from typing import Any, Dict, List, Mapping, Optional

import attrs

from ._base import library_field
from ._result import ApiResult, RawDict


@attrs.define
class ModerationResult:
    flagged: bool = False
    categories: Dict[str, bool] = attrs.field(factory=dict)
    category_scores: Dict[str, float] = attrs.field(factory=dict)
    #: Omni models only: which input types (text, image) each category was judged on.
    category_applied_input_types: Optional[Dict[str, List[str]]] = None


@attrs.define
class ModerationResponse(ApiResult):
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
class ImageData:
    url: Optional[str] = None
    b64_json: Optional[str] = None
    revised_prompt: Optional[str] = None


@attrs.define
class ImageResponse(ApiResult):
    created: int = 0
    data: List[ImageData] = attrs.field(factory=list)
    usage: Optional[Dict[str, Any]] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    headers: Mapping[str, str] = library_field(factory=dict)


@attrs.define
class ModelCard(RawDict):
    """One entry of the model list."""

    id: str = ""
    created: int = 0
    owned_by: str = ""
    raw: Dict[str, Any] = library_field(factory=dict)
