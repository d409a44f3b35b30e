"""Reply models: attrs classes structured by one cattrs converter."""

from .audio import (
    Segment,
    Transcription,
    Translation,
    Word,
)
from .batch import (
    Batch,
    BatchErrorDetail,
    BatchErrors,
    BatchRequestCounts,
    BatchStatus,
)
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
from .files import (
    FileDeleted,
    FileObject,
)
from .misc import (
    ImageData,
    ImageResponse,
    ModelCard,
    ModerationResponse,
    ModerationResult,
)
from .responses import (
    FunctionCallItem,
    MessageItem,
    ReasoningItem,
    Response,
    ResponseEvent,
    ResponseUsage,
    UnknownItem,
)
from .transcription_stream import (
    TranscriptionEvent,
)

__all__ = [
    "Batch",
    "BatchErrorDetail",
    "BatchErrors",
    "BatchRequestCounts",
    "BatchStatus",
    "ChatChunk",
    "ChatMessage",
    "ChatResponse",
    "Choice",
    "ChoiceDelta",
    "ChunkChoice",
    "CompletionTokensDetails",
    "FileDeleted",
    "FileObject",
    "FunctionCall",
    "FunctionCallItem",
    "FunctionDelta",
    "ImageData",
    "ImageResponse",
    "MessageItem",
    "ModelCard",
    "ModerationResponse",
    "ModerationResult",
    "PromptTokensDetails",
    "ReasoningItem",
    "Response",
    "ResponseEvent",
    "ResponseUsage",
    "Segment",
    "ToolCall",
    "ToolCallDelta",
    "Transcription",
    "TranscriptionEvent",
    "Translation",
    "UnknownItem",
    "Usage",
    "Word",
]
