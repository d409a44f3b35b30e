"""openai_accel: one resilient OpenAI client, blocking and asyncio, from one core.

``AsyncOpenAI`` (and with it aiohttp) is imported on first use only, so a
blocking script never pays for asyncio machinery it does not use.
"""

from typing import TYPE_CHECKING, Any, List

from ._core.breaker import BreakerState, CircuitBreaker, CircuitBreakerProtocol
from ._core.budget import BudgetView
from ._core.metrics import RequestMetrics
from ._core.rate_config import RateLimits
from ._lazy import lazy_attribute as _lazy_attribute
from ._lazy import lazy_dir as _lazy_dir
from .client import OpenAI

# Responses API and structured outputs
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchFailedError,
    BatchInputError,
    BatchJobError,
    BatchLineError,
    CircuitOpenError,
    ClientClosedError,
    ConflictError,
    FunctionCallError,
    InternalServerError,
    InvalidResponseError,
    LengthFinishReasonError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    QueueFullError,
    QuotaExceededError,
    RateLimitError,
    RateLimitTimeoutError,
    StreamError,
    UnprocessableEntityError,
)
from .models.chat import ChatChunk, ChatResponse, ToolCall, Usage
from .voice import AsyncVoiceAgent, VoiceAgent

if TYPE_CHECKING:
    from ._ops.batch_progress import BatchProgress
    from ._ops.batch_results import BatchItem, BatchResults
    from ._ops.voice import VoiceResponse
    from .async_client import AsyncOpenAI
    from .azure import AsyncAzureOpenAI, AzureOpenAI
    from .models import (
        ImageData,
        ImageResponse,
        ModerationResponse,
        Transcription,
        Translation,
    )
    from .models.batch import Batch, BatchStatus
    from .models.files import FileObject
    from .models.responses import (
        FunctionCallItem,
        MessageItem,
        ReasoningItem,
        Response,
        ResponseEvent,
        UnknownItem,
    )
    from .models.transcription_stream import TranscriptionEvent
    from .types import AudioFormat, TranscriptionFormat, Voice

#: Public names whose modules load on first access (``import openai_accel``
#: stays cheap for a blocking chat): name -> module that defines it.
_LAZY_NAMES = {
    "AsyncOpenAI": "openai_accel.async_client",
    "VoiceResponse": "openai_accel._ops.voice",
    # files and batch jobs: the results machinery (sqlite3) loads on first use
    "BatchItem": "openai_accel._ops.batch_results",
    "BatchResults": "openai_accel._ops.batch_results",
    "BatchProgress": "openai_accel._ops.batch_progress",
    # Azure, loaded on first use
    "AzureOpenAI": "openai_accel.azure",
    "AsyncAzureOpenAI": "openai_accel.azure",
    # perf: the reply models of the other endpoints (attrs classes) and the enums
    "ImageData": "openai_accel.models.misc",
    "ImageResponse": "openai_accel.models.misc",
    "ModerationResponse": "openai_accel.models.misc",
    "Transcription": "openai_accel.models.audio",
    "Translation": "openai_accel.models.audio",
    "Batch": "openai_accel.models.batch",
    "BatchStatus": "openai_accel.models.batch",
    "FileObject": "openai_accel.models.files",
    "FunctionCallItem": "openai_accel.models.responses",
    "MessageItem": "openai_accel.models.responses",
    "ReasoningItem": "openai_accel.models.responses",
    "Response": "openai_accel.models.responses",
    "ResponseEvent": "openai_accel.models.responses",
    "UnknownItem": "openai_accel.models.responses",
    "TranscriptionEvent": "openai_accel.models.transcription_stream",
    "AudioFormat": "openai_accel.types",
    "TranscriptionFormat": "openai_accel.types",
    "Voice": "openai_accel.types",
}

__version__ = "0.1.0"

# obs: OPENAI_LOG=info|debug, read once at import.
from ._log_env import configure_from_env as _configure_logging  # noqa: E402

_configure_logging()

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncAzureOpenAI",
    "AsyncOpenAI",
    "AsyncVoiceAgent",
    "AudioFormat",
    "AuthenticationError",
    "AzureOpenAI",
    "BadRequestError",
    "BreakerState",
    "BudgetView",
    "ChatChunk",
    "ChatResponse",
    "CircuitBreaker",
    "CircuitBreakerProtocol",
    "CircuitOpenError",
    "ClientClosedError",
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
    "UnprocessableEntityError",
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


# -- Responses API and structured outputs (responses) --
__all__ += [
    "FunctionCallItem",
    "LengthFinishReasonError",
    "MessageItem",
    "ReasoningItem",
    "Response",
    "ResponseEvent",
    "TranscriptionEvent",
    "UnknownItem",
]


def __getattr__(name: str) -> Any:
    return _lazy_attribute(__name__, globals(), _LAZY_NAMES, name, _SUBMODULES)


#: Submodules the eager imports used to load, listed by ``dir()`` as before.
_SUBMODULES = ("model_info", "otel", "statsd_sink", "types")


def __dir__() -> List[str]:
    return _lazy_dir(globals(), __all__, _SUBMODULES)
