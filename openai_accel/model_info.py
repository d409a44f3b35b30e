"""What the library knows about each model: context window, output cap, vision, tools.

Callers use these facts to budget prompts (how many tokens fit) and to decide
locally whether an image or a tool list may be sent, so a doomed request is
not spent on the network. The table cannot be complete - new models and dated
snapshots appear all the time - so lookup is forgiving by design:

1. the exact (lower-cased) name;
2. the name without a dated snapshot suffix (``-2024-08-06``, ``-0613``);
3. the longest known name that is a prefix of it, ending at a non-alphanumeric
   character (``gpt-4o-mini-tts`` -> ``gpt-4o-mini``, never ``gpt-4o``);
4. :data:`DEFAULT_MODEL_INFO` - never an exception, because an unknown model
   name is the server's business to reject, not ours.

A ``provider/`` prefix (``openai/gpt-4o``) and the fine-tune wrapping
(``ft:gpt-4o-mini-2024-07-18:org::id``) are removed first.
"""

from __future__ import annotations

import functools
import re
from typing import Dict, Optional

import attrs

__all__ = [
    "DEFAULT_MAX_OUTPUT_TOKENS",
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_MODEL_INFO",
    "ModelInfo",
    "embedding_dimensions",
    "get_model_max_output_tokens",
    "get_model_max_tokens",
    "model_info",
    "supports_tools",
    "supports_vision",
]

#: Context window assumed for a model the table does not know. 8192 is the
#: smallest window of any current chat model, so budgeting with it may waste
#: room but never overflows.
DEFAULT_MAX_TOKENS = 8192

#: Output cap assumed for an unknown model, chosen for the same reason: every
#: current chat model accepts at least 4096 completion tokens.
DEFAULT_MAX_OUTPUT_TOKENS = 4096


@attrs.frozen
class ModelInfo:
    """The facts about one model family.

    ``family`` is the table entry the name resolved to, or ``None`` when the
    model is unknown and these are the documented defaults (no vision, tools
    assumed available because nearly every chat model has them and refusing
    them locally would block a call the server might accept).
    """

    family: Optional[str]
    #: Context window in tokens (prompt plus completion).
    context_window: int
    #: Largest ``max_tokens`` / ``max_completion_tokens`` the model accepts
    #: (0 for embedding models, which produce no text).
    max_output_tokens: int
    supports_vision: bool = False
    supports_tools: bool = True
    #: Native vector size for embedding models, ``None`` for everything else.
    embedding_dimensions: Optional[int] = None

    @property
    def known(self) -> bool:
        """False when these are the defaults for a name the table does not know."""
        return self.family is not None


#: What :func:`model_info` returns for a name it cannot resolve.
DEFAULT_MODEL_INFO = ModelInfo(
    family=None,
    context_window=DEFAULT_MAX_TOKENS,
    max_output_tokens=DEFAULT_MAX_OUTPUT_TOKENS,
    supports_vision=False,
    supports_tools=True,
)


def _chat(context: int, output: int, *, vision: bool, tools: bool = True) -> ModelInfo:
    # ``family`` is filled in from the table key below, so it is never mistyped.
    return ModelInfo(None, context, output, vision, tools)


def _embedding(dimensions: int) -> ModelInfo:
    return ModelInfo(None, 8191, 0, False, False, dimensions)


_TABLE_SPEC: Dict[str, ModelInfo] = {
    # GPT-5 family.
    "gpt-5": _chat(400_000, 128_000, vision=True),
    "gpt-5-mini": _chat(400_000, 128_000, vision=True),
    "gpt-5-nano": _chat(400_000, 128_000, vision=True),
    # The ChatGPT-tuned alias has a smaller window and no function calling.
    "gpt-5-chat-latest": _chat(128_000, 16_384, vision=True, tools=False),
    # GPT-4.1 family: the million-token window.
    "gpt-4.1": _chat(1_047_576, 32_768, vision=True),
    "gpt-4.1-mini": _chat(1_047_576, 32_768, vision=True),
    "gpt-4.1-nano": _chat(1_047_576, 32_768, vision=True),
    "gpt-4.5-preview": _chat(128_000, 16_384, vision=True),
    # GPT-4o family and its special-purpose variants.
    "gpt-4o": _chat(128_000, 16_384, vision=True),
    "gpt-4o-mini": _chat(128_000, 16_384, vision=True),
    "chatgpt-4o-latest": _chat(128_000, 16_384, vision=True, tools=False),
    "gpt-4o-audio-preview": _chat(128_000, 16_384, vision=False),
    "gpt-4o-mini-audio-preview": _chat(128_000, 16_384, vision=False),
    "gpt-4o-realtime-preview": _chat(128_000, 4_096, vision=False),
    "gpt-4o-mini-realtime-preview": _chat(128_000, 4_096, vision=False),
    "gpt-4o-search-preview": _chat(128_000, 16_384, vision=False, tools=False),
    "gpt-4o-mini-search-preview": _chat(128_000, 16_384, vision=False, tools=False),
    # GPT-4 Turbo: only the 2024-04-09 release ("gpt-4-turbo") sees images;
    # the earlier previews are text-only.
    "gpt-4-turbo": _chat(128_000, 4_096, vision=True),
    "gpt-4-turbo-preview": _chat(128_000, 4_096, vision=False),
    "gpt-4-0125-preview": _chat(128_000, 4_096, vision=False),
    "gpt-4-1106-preview": _chat(128_000, 4_096, vision=False),
    "gpt-4-vision-preview": _chat(128_000, 4_096, vision=True, tools=False),
    "gpt-4-1106-vision-preview": _chat(128_000, 4_096, vision=True, tools=False),
    # Original GPT-4: output may use the whole window.
    "gpt-4": _chat(8_192, 8_192, vision=False),
    "gpt-4-0314": _chat(8_192, 8_192, vision=False, tools=False),
    "gpt-4-32k": _chat(32_768, 32_768, vision=False),
    "gpt-4-32k-0314": _chat(32_768, 32_768, vision=False, tools=False),
    # GPT-3.5: the early snapshots had a 4k window, the current alias 16k.
    "gpt-3.5-turbo": _chat(16_385, 4_096, vision=False),
    "gpt-3.5-turbo-16k": _chat(16_385, 4_096, vision=False),
    "gpt-3.5-turbo-0613": _chat(4_096, 4_096, vision=False),
    "gpt-3.5-turbo-0301": _chat(4_096, 4_096, vision=False, tools=False),
    "gpt-3.5-turbo-instruct": _chat(4_096, 4_096, vision=False, tools=False),
    # Reasoning models.
    "o1": _chat(200_000, 100_000, vision=True),
    "o1-pro": _chat(200_000, 100_000, vision=True),
    "o1-mini": _chat(128_000, 65_536, vision=False, tools=False),
    "o1-preview": _chat(128_000, 32_768, vision=False, tools=False),
    "o3": _chat(200_000, 100_000, vision=True),
    "o3-pro": _chat(200_000, 100_000, vision=True),
    "o3-mini": _chat(200_000, 100_000, vision=False),
    "o4-mini": _chat(200_000, 100_000, vision=True),
    # Embeddings.
    "text-embedding-3-small": _embedding(1536),
    "text-embedding-3-large": _embedding(3072),
    "text-embedding-ada-002": _embedding(1536),
}

_TABLE: Dict[str, ModelInfo] = {
    name: attrs.evolve(info, family=name) for name, info in _TABLE_SPEC.items()
}

# Longest first, so the first prefix hit is the most specific family.
_PREFIXES = sorted(_TABLE, key=len, reverse=True)

# ``-2024-08-06`` style, then ``-0613`` style (month and day only).
_DATED_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{4})$")


def _base_name(model: str) -> str:
    """Lower-case, drop ``provider/`` and the ``ft:`` wrapping of a fine-tuned model."""
    name = model.strip().lower()
    # Only a slash before the first colon belongs to a provider prefix; a
    # fine-tune suffix may contain anything.
    colon = name.find(":")
    slash = (name if colon < 0 else name[:colon]).rfind("/")
    name = name[slash + 1 :]
    if name.startswith("ft:"):
        name = name[3:]
    # ``base:org:suffix:id`` - whatever follows the first colon names the tuning, not the base.
    return name.split(":", 1)[0]


def _resolve(name: str) -> Optional[ModelInfo]:
    info = _TABLE.get(name)
    if info is not None:
        return info
    undated = _DATED_SUFFIX.sub("", name)
    info = _TABLE.get(undated)
    if info is not None:
        return info
    for prefix in _PREFIXES:
        # Require a boundary so "gpt-4" does not claim "gpt-4o-..." or "o1" claim "o10".
        if undated.startswith(prefix) and not undated[len(prefix) : len(prefix) + 1].isalnum():
            return _TABLE[prefix]
    return None


@functools.lru_cache(maxsize=512)
def _cached_info(model: str) -> ModelInfo:
    return _resolve(_base_name(model)) or DEFAULT_MODEL_INFO


def model_info(model: str) -> ModelInfo:
    """All known facts about ``model``; :data:`DEFAULT_MODEL_INFO` when unknown.

    A non-string (``None`` from an unset option, say) also yields the default
    rather than an exception: this is advisory information, and failing here
    would hide the more useful error the server gives for a bad model.
    """
    if not isinstance(model, str):
        return DEFAULT_MODEL_INFO
    return _cached_info(model)


def get_model_max_tokens(model: str) -> int:
    """The context window of ``model`` (prompt plus completion), in tokens."""
    return model_info(model).context_window


def get_model_max_output_tokens(model: str) -> int:
    """The largest completion ``model`` can produce, in tokens."""
    return model_info(model).max_output_tokens


def supports_vision(model: str) -> bool:
    """Whether ``model`` accepts image content parts (False when unknown)."""
    return model_info(model).supports_vision


def supports_tools(model: str) -> bool:
    """Whether ``model`` accepts ``tools`` (True when unknown: let the server decide)."""
    return model_info(model).supports_tools


def embedding_dimensions(model: str) -> Optional[int]:
    """The native vector length of an embedding model, ``None`` for other models."""
    return model_info(model).embedding_dimensions
