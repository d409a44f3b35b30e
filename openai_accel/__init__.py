"""openai_accel: one resilient OpenAI client, blocking and asyncio, from one core.

``AsyncOpenAI`` (and with it aiohttp) is imported on first use only, so a
blocking script never pays for asyncio machinery it does not use.
"""

from typing import TYPE_CHECKING, Any

from ._core.breaker import BreakerState, CircuitBreaker, CircuitBreakerProtocol
from ._core.metrics import RequestMetrics

# -- files and batch jobs (issue 10) --
from ._ops.batch_progress import BatchProgress
from ._ops.batch_results import BatchItem, BatchResults
from .client import OpenAI
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchFailedError,
    BatchInputError,
    BatchJobError,
    BatchLineError,
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
from .models.batch import Batch, BatchStatus
from .models.files import FileObject
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
__all__ += [  # files and batch jobs (issue 10)
    "Batch",
    "BatchFailedError",
    "BatchInputError",
    "BatchItem",
    "BatchJobError",
    "BatchLineError",
    "BatchProgress",
    "BatchResults",
    "BatchStatus",
    "FileObject",
]


def __getattr__(name: str) -> Any:
    if name == "AsyncOpenAI":
        from .async_client import AsyncOpenAI

        return AsyncOpenAI
    raise AttributeError(f"module 'openai_accel' has no attribute {name!r}")
