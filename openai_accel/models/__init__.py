"""Reply models: attrs classes structured by one cattrs converter."""

from typing import TYPE_CHECKING, Any, List

from .._lazy import lazy_attribute, lazy_dir

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
    return lazy_attribute(__name__, globals(), _LAZY_NAMES, name, _SUBMODULES)


#: Submodules the eager imports used to load, listed by ``dir()`` as before.
_SUBMODULES = ("audio", "batch", "files", "misc", "raw", "responses", "sdk", "transcription_stream")


def __dir__() -> List[str]:
    return lazy_dir(globals(), __all__, _SUBMODULES)
