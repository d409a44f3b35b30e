"""Result objects of the SDK-shaped calls that have no model of their own elsewhere.

``client.embedding(...)`` returns plain vectors; ``client.embeddings.create(...)``
returns this object, shaped like the official SDK's ``CreateEmbeddingResponse``
(``.data[0].embedding``), built from the same reply.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional

import attrs

from ._base import library_field
from ._result import ApiResult, EmbeddingVectors

__all__ = ["CreateEmbeddingResponse", "Embedding", "EmbeddingUsage"]


@attrs.define
class Embedding:
    embedding: List[float]
    index: int
    object: str = "embedding"


@attrs.define
class EmbeddingUsage:
    prompt_tokens: int = 0
    total_tokens: int = 0


@attrs.define
class CreateEmbeddingResponse(ApiResult):
    """The SDK's embeddings reply; ``to_dict()`` has the vectors as float lists."""

    data: List[Embedding]
    model: str = ""
    object: str = "list"
    usage: Optional[EmbeddingUsage] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    headers: Mapping[str, str] = library_field(factory=dict)

    @classmethod
    def from_vectors(cls, vectors: EmbeddingVectors) -> CreateEmbeddingResponse:
        usage = vectors.usage if isinstance(vectors.usage, dict) else None
        data = [Embedding(vector, index) for index, vector in enumerate(vectors)]
        raw: Dict[str, Any] = {
            "object": "list",
            "data": [
                {"object": "embedding", "index": e.index, "embedding": e.embedding} for e in data
            ],
            "model": vectors.model or "",
        }
        if usage is not None:
            raw["usage"] = usage
        return cls(
            data=data,
            model=vectors.model or "",
            usage=None
            if usage is None
            else EmbeddingUsage(
                int(usage.get("prompt_tokens", 0)), int(usage.get("total_tokens", 0))
            ),
            raw=raw,
            request_id=vectors.request_id,
            headers=vectors.headers,
        )
