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

# -- files and batch jobs (issue 10) --
from .batch import Batch, BatchErrorDetail, BatchErrors, BatchRequestCounts, BatchStatus
from .files import FileDeleted, FileObject

__all__ += [
    "Batch",
    "BatchErrorDetail",
    "BatchErrors",
    "BatchRequestCounts",
    "BatchStatus",
    "FileDeleted",
    "FileObject",
]
