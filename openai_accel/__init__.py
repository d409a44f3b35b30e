"""openai_accel: one resilient OpenAI client, blocking and asyncio, from one core.

``AsyncOpenAI`` (and with it aiohttp) is imported on first use only, so a
blocking script never pays for asyncio machinery it does not use.
"""

from typing import TYPE_CHECKING, Any

from ._core.breaker import BreakerState, CircuitBreaker, CircuitBreakerProtocol
from ._core.metrics import RequestMetrics
from .client import OpenAI
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    CircuitOpenError,
    ConflictError,
    FunctionCallError,
    InternalServerError,
    InvalidResponseError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    QueueFullError,
    RateLimitError,
    StreamError,
)
from .models import (
    ChatChunk,
    ChatResponse,
    ImageData,
    ImageResponse,
    ModerationResponse,
    ToolCall,
    Transcription,
    Translation,
    Usage,
)
from .types import AudioFormat, TranscriptionFormat, Voice
from .voice import AsyncVoiceAgent, VoiceAgent

if TYPE_CHECKING:
    from ._ops.voice import VoiceResponse
    from .async_client import AsyncOpenAI

#: Public names whose modules load on first access (``import openai_accel``
#: stays cheap for a blocking chat): name -> module that defines it.
_LAZY_NAMES = {
    "AsyncOpenAI": "openai_accel.async_client",
    "VoiceResponse": "openai_accel._ops.voice",
}

__version__ = "0.1.0"

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncOpenAI",
    "AsyncVoiceAgent",
    "AudioFormat",
    "AuthenticationError",
    "BadRequestError",
    "BreakerState",
    "ChatChunk",
    "ChatResponse",
    "CircuitBreaker",
    "CircuitBreakerProtocol",
    "CircuitOpenError",
    "ConflictError",
    "FunctionCallError",
    "ImageData",
    "ImageResponse",
    "InternalServerError",
    "InvalidResponseError",
    "ModerationResponse",
    "NotFoundError",
    "OpenAI",
    "OpenAIError",
    "PermissionDeniedError",
    "QueueFullError",
    "RateLimitError",
    "RequestMetrics",
    "StreamError",
    "ToolCall",
    "Transcription",
    "TranscriptionFormat",
    "Translation",
    "Usage",
    "Voice",
    "VoiceAgent",
    "VoiceResponse",
    "__version__",
]


def __getattr__(name: str) -> Any:
    module = _LAZY_NAMES.get(name)
    if module is not None:
        import importlib

        value = getattr(importlib.import_module(module), name)
        globals()[name] = value  # later lookups are plain module attributes
        return value
    raise AttributeError(f"module 'openai_accel' has no attribute {name!r}")
