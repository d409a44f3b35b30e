"""Moderation and image replies (embeddings are read straight into vectors)."""

from typing import Any, Dict, List, Optional

import attrs

from ._base import library_field


@attrs.define
class ModerationResult:
    __wire_required__ = ("flagged",)

    flagged: bool = False
    categories: Dict[str, bool] = attrs.field(factory=dict)
    category_scores: Dict[str, float] = attrs.field(factory=dict)
    #: Omni models only: which input types (text, image) each category was judged on.
    category_applied_input_types: Optional[Dict[str, List[str]]] = None


@attrs.define
class ModerationResponse:
    __wire_required__ = ("results",)

    id: str = ""
    model: str = ""
    results: List[ModerationResult] = attrs.field(factory=list)
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()

    @property
    def flagged(self) -> bool:
        """True when any input was flagged."""
        return any(result.flagged for result in self.results)


@attrs.define
class EmbeddingUsage:
    """The token counts of an embeddings reply (checked, not returned: vectors are)."""

    prompt_tokens: int = 0
    total_tokens: int = 0


@attrs.define
class ImageData:
    #: An image arrives as a link or as base64: one of the two is always there.
    __wire_required__ = (("url", "b64_json"),)

    url: Optional[str] = None
    b64_json: Optional[str] = None
    revised_prompt: Optional[str] = None


@attrs.define
class ImageResponse:
    __wire_required__ = ("data",)

    created: int = 0
    data: List[ImageData] = attrs.field(factory=list)
    usage: Optional[Dict[str, Any]] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()


@attrs.define
class ModelCard:
    """One entry of the model list."""

    __wire_required__ = ("id",)

    id: str = ""
    created: int = 0
    owned_by: str = ""
    raw: Dict[str, Any] = library_field(factory=dict)
