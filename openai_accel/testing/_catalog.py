"""Which models the emulator knows, and which dated snapshot serves each alias.

The real API answers an alias with the snapshot that served it
(``gpt-4o-mini`` -> ``gpt-4o-mini-2024-07-18``) and rejects unknown names with
404 ``model_not_found``; clients that key behaviour on the model name (token
limits, vision support, reasoning parameters) should meet the same names here.
"""

from __future__ import annotations

import re
from typing import Dict, List, Optional

CHAT_SNAPSHOTS: Dict[str, str] = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4-turbo": "gpt-4-turbo-2024-04-09",
    "gpt-4-turbo-preview": "gpt-4-0125-preview",
    "gpt-4": "gpt-4-0613",
    "gpt-4-32k": "gpt-4-32k-0613",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "gpt-3.5-turbo-16k": "gpt-3.5-turbo-16k-0613",
    "chatgpt-4o-latest": "chatgpt-4o-latest",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-4.5-preview": "gpt-4.5-preview-2025-02-27",
    "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-5-nano": "gpt-5-nano-2025-08-07",
    "gpt-5-chat-latest": "gpt-5-chat-latest",
    "o1": "o1-2024-12-17",
    "o1-mini": "o1-mini-2024-09-12",
    "o1-preview": "o1-preview-2024-09-12",
    "o3": "o3-2025-04-16",
    "o3-mini": "o3-mini-2025-01-31",
    "o4-mini": "o4-mini-2025-04-16",
}

# Families accepted with any dated suffix, e.g. gpt-4o-2024-05-13, gpt-4-1106-preview,
# gpt-5.1, gpt-5.2-pro; matching is on the whole name.
_CHAT_RE = re.compile(
    r"^(?:gpt-4o(?:-mini)?(?:-(?:search|audio|realtime)-preview)?"
    r"|gpt-4(?:-turbo|-32k|-vision-preview)?"
    r"|gpt-3\.5-turbo(?:-16k|-instruct)?"
    r"|gpt-4\.1(?:-mini|-nano)?"
    r"|gpt-4\.5-preview"
    r"|gpt-5(?:\.\d+)?(?:-mini|-nano|-pro|-chat-latest|-codex)?"
    r"|o1(?:-mini|-preview|-pro)?|o3(?:-mini|-pro)?|o4-mini"
    r")(?:-\d{4}-\d{2}-\d{2}|-\d{4}(?:-preview)?|-preview)?$"
)

EMBEDDING_MODELS: Dict[str, int] = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
# The API answers ada-002 requests with the served name ``text-embedding-ada-002-v2``.
EMBEDDING_SERVED = {"text-embedding-ada-002": "text-embedding-ada-002-v2"}

MODERATION_MODELS: Dict[str, str] = {
    "omni-moderation-latest": "omni-moderation-latest",
    "omni-moderation-2024-09-26": "omni-moderation-2024-09-26",
    "text-moderation-latest": "text-moderation-007",
    "text-moderation-stable": "text-moderation-007",
    "text-moderation-007": "text-moderation-007",
}

IMAGE_MODELS = ("dall-e-2", "dall-e-3", "gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5")
TTS_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts", "tts-1-1106", "tts-1-hd-1106")
TRANSCRIPTION_MODELS = ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe")

_OWNERS = {"whisper-1": "openai-internal", "dall-e-2": "system", "dall-e-3": "system"}


def is_reasoning_model(model: str) -> bool:
    """o-series and gpt-5 (except the chat variant) take reasoning parameters only."""
    return bool(re.match(r"^(o1|o3|o4|gpt-5)", model)) and "chat" not in model


def chat_snapshot(model: str) -> Optional[str]:
    """The model name a chat reply carries, or None when the model is unknown."""
    if model in CHAT_SNAPSHOTS:
        return CHAT_SNAPSHOTS[model]
    if model.startswith("ft:"):
        base = model[3:].split(":", 1)[0]
        return model if chat_snapshot(base) is not None else None
    if _CHAT_RE.match(model):
        return model
    return None


def tts_known(model: str) -> bool:
    return model in TTS_MODELS or model.startswith("gpt-4o-mini-tts-")


def transcription_known(model: str) -> bool:
    return model in TRANSCRIPTION_MODELS or bool(
        re.match(r"^gpt-4o(-mini)?-transcribe(-\d{4}-\d{2}-\d{2})?$", model)
    )


def image_known(model: str) -> bool:
    return model in IMAGE_MODELS or model.startswith("gpt-image-")


def listed_models() -> List[str]:
    """The ids ``GET /v1/models`` lists: every alias and snapshot the emulator serves."""
    names = set(CHAT_SNAPSHOTS) | {v for v in CHAT_SNAPSHOTS.values()}
    names |= set(EMBEDDING_MODELS) | set(MODERATION_MODELS) | set(IMAGE_MODELS)
    names |= set(TTS_MODELS) | set(TRANSCRIPTION_MODELS)
    return sorted(names)


def model_known(model: str) -> bool:
    """Whether ``GET /v1/models/{id}`` finds ``model``."""
    return (
        model in listed_models()
        or chat_snapshot(model) is not None
        or tts_known(model)
        or transcription_known(model)
        or image_known(model)
    )


def model_object(model: str) -> Dict[str, object]:
    """One entry of the model list, in the API's key order."""
    created = 1686935002 + sum(ord(c) for c in model) * 1000
    owner = _OWNERS.get(model, "system")
    return {"id": model, "object": "model", "created": created, "owned_by": owner}
