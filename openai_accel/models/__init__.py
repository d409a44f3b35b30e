"""Reply models: attrs classes structured by one cattrs converter."""

from .audio import Segment, Transcription, Translation, Word
from .chat import (
    ChatChunk,
    ChatMessage,
    ChatResponse,
    Choice,
    ChoiceDelta,
    ChunkChoice,
    CompletionTokensDetails,
    FunctionCall,
    FunctionDelta,
    PromptTokensDetails,
    ToolCall,
    ToolCallDelta,
    Usage,
)
from .misc import (
    ImageData,
    ImageResponse,
    ModelCard,
    ModerationResponse,
    ModerationResult,
)

__all__ = [
    "ChatChunk",
    "ChatMessage",
    "ChatResponse",
    "Choice",
    "ChoiceDelta",
    "ChunkChoice",
    "CompletionTokensDetails",
    "FunctionCall",
    "FunctionDelta",
    "ImageData",
    "ImageResponse",
    "ModelCard",
    "ModerationResponse",
    "ModerationResult",
    "PromptTokensDetails",
    "Segment",
    "ToolCall",
    "ToolCallDelta",
    "Transcription",
    "Translation",
    "Usage",
    "Word",
]

# -- Responses API (responses) --
from .responses import (
    FunctionCallItem,
    MessageItem,
    ReasoningItem,
    Response,
    ResponseEvent,
    ResponseUsage,
    UnknownItem,
)
from .transcription_stream import TranscriptionEvent

__all__ += [
    "FunctionCallItem",
    "MessageItem",
    "ReasoningItem",
    "Response",
    "ResponseEvent",
    "ResponseUsage",
    "TranscriptionEvent",
    "UnknownItem",
]
