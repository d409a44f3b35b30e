"""Reply models: attrs classes structured by one cattrs converter."""

from typing import TYPE_CHECKING, Any, List

if TYPE_CHECKING:
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

# perf: each model module (attrs classes: ~0.1-0.3 ms per class) loads on the
# first access to one of its names; a blocking chat loads ``chat`` only.
#: Public name -> the submodule that defines it.
_LAZY_NAMES = {
    "Batch": "batch",
    "BatchErrorDetail": "batch",
    "BatchErrors": "batch",
    "BatchRequestCounts": "batch",
    "BatchStatus": "batch",
    "ChatChunk": "chat",
    "ChatMessage": "chat",
    "ChatResponse": "chat",
    "Choice": "chat",
    "ChoiceDelta": "chat",
    "ChunkChoice": "chat",
    "CompletionTokensDetails": "chat",
    "FileDeleted": "files",
    "FileObject": "files",
    "FunctionCall": "chat",
    "FunctionCallItem": "responses",
    "FunctionDelta": "chat",
    "ImageData": "misc",
    "ImageResponse": "misc",
    "MessageItem": "responses",
    "ModelCard": "misc",
    "ModerationResponse": "misc",
    "ModerationResult": "misc",
    "PromptTokensDetails": "chat",
    "ReasoningItem": "responses",
    "Response": "responses",
    "ResponseEvent": "responses",
    "ResponseUsage": "responses",
    "Segment": "audio",
    "ToolCall": "chat",
    "ToolCallDelta": "chat",
    "Transcription": "audio",
    "TranscriptionEvent": "transcription_stream",
    "Translation": "audio",
    "UnknownItem": "responses",
    "Usage": "chat",
    "Word": "audio",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups are plain module attributes
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))
