"""openai_accel: one resilient OpenAI client, blocking and asyncio, from one core.

``AsyncOpenAI`` (and with it aiohttp) is imported on first use only, so a
blocking script never pays for asyncio machinery it does not use.
"""

from typing import TYPE_CHECKING, Any

from ._core.breaker import BreakerState, CircuitBreaker, CircuitBreakerProtocol
from ._core.budget import BudgetView
from ._core.metrics import RequestMetrics
from ._core.rate_config import RateLimits
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
    QuotaExceededError,
    RateLimitError,
    RateLimitTimeoutError,
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
from .voice import AsyncVoiceAgent, VoiceAgent, VoiceResponse

if TYPE_CHECKING:
    from .async_client import AsyncOpenAI

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
    "BudgetView",
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
    "QuotaExceededError",
    "RateLimitError",
    "RateLimitTimeoutError",
    "RateLimits",
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
    if name == "AsyncOpenAI":
        from .async_client import AsyncOpenAI

        return AsyncOpenAI
    raise AttributeError(f"module 'openai_accel' has no attribute {name!r}")
