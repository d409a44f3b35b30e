"""The official SDK's methods, one row each, mapped onto the flows that already exist.

This module is only the table (and the small conversions its rows name); the
descriptors that turn it into ``client.chat.completions.create`` live in
``_sdk_shape.py``. A new SDK method is a new row here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple

import attrs

from ._core.compose import keep_emits
from ._core.effects import Flow
from ._ops import chat as chat_ops

# perf: the flow modules are lazy handles (see _ops/lazy.py).
from ._ops.lazy import (
    audio_ops,
    batch_ops,
    embedding_ops,
    file_ops,
    image_ops,
    model_ops,
    moderation_ops,
    response_ops,
)

if TYPE_CHECKING:
    from .models._result import AudioBytes
    from .models.sdk import CreateEmbeddingResponse

__all__ = ["SDK_ROWS", "FlowFunction", "SdkRow"]

FlowFunction = Callable[..., Flow[Any]]


def _file_argument(kwargs: Dict[str, Any]) -> None:
    """The SDK's ``file=(name, content)`` tuple becomes ``audio`` + ``filename``."""
    file = kwargs.get("file")
    if isinstance(file, tuple) and len(file) >= 2:
        kwargs["file"] = file[1]
        kwargs.setdefault("filename", file[0])


def _usage_only(chunk: Any) -> bool:
    """A chunk without choices: the usage chunk, sent only when ``include_usage`` is asked."""
    return not getattr(chunk, "choices", None)


def _chat_stream(ctx: Any, args: List[Any], kwargs: Dict[str, Any]) -> Flow[Any]:
    """``stream_chat``; unless the caller asked for usage, its usage chunk is not emitted.

    (``stream_chat`` requests usage for the metrics; SDK code indexes
    ``chunk.choices[0]`` and would fail on a chunk that has none.)
    """
    flow = chat_ops.stream_chat(ctx, *args, **kwargs)
    if "stream_options" in kwargs:
        return flow
    return keep_emits(flow, lambda chunk: not _usage_only(chunk))


def _response_stream(ctx: Any, args: List[Any], kwargs: Dict[str, Any]) -> Flow[Any]:
    """``responses.create(..., stream=True)``: the Responses event stream."""
    return response_ops.stream_response(ctx, *args, **kwargs)


def _binary(content: Any) -> AudioBytes:
    """``files.content``: bytes with the SDK's ``.content`` / ``.read()`` / ``.write_to_file``."""
    from .models._result import AudioBytes

    return AudioBytes(content)


def _embedding_response(vectors: Any) -> CreateEmbeddingResponse:
    """``embeddings.create``: the SDK's response object from ``embedding``'s vectors."""
    # perf: the SDK-shaped models load with the first such call, not at import
    from .models.sdk import CreateEmbeddingResponse

    return CreateEmbeddingResponse.from_vectors(vectors)


@attrs.frozen
class SdkRow:
    """One SDK method mapped onto an existing flow."""

    #: The SDK's dotted name below the client: ``"chat.completions.create"``.
    path: str
    flow: FlowFunction
    #: SDK keywords passed, in order, as the flow's positional arguments.
    positional: Tuple[str, ...] = ()
    #: SDK keyword -> the flow's keyword.
    renames: Mapping[str, str] = attrs.field(factory=dict)
    #: Applied to the flow's result (None: returned as it is).
    result: Optional[Callable[[Any], Any]] = None
    #: Run instead of ``flow`` when the call passes ``stream=True``.
    stream: Optional[Callable[[Any, List[Any], Dict[str, Any]], Flow[Any]]] = None
    #: Adjusts the SDK keywords in place before the mapping (tuples, aliases).
    prepare: Optional[Callable[[Dict[str, Any]], None]] = None
    #: The flow is a listing (``files.list``): the call returns its iterator.
    iterates: bool = False
    #: The positionals may be passed by position, as the SDK's ids are
    #: (``files.retrieve("file-abc")``); ``create`` methods are keyword-only there.
    by_position: bool = False

    def arguments(self, kwargs: Dict[str, Any]) -> Tuple[List[Any], Dict[str, Any]]:
        kwargs = dict(kwargs)
        if self.prepare is not None:
            self.prepare(kwargs)
        args = []
        for name in self.positional:
            if name not in kwargs:
                raise TypeError(f"{self.path}() missing required keyword argument: {name!r}")
            args.append(kwargs.pop(name))
        for sdk_name, name in self.renames.items():
            if sdk_name in kwargs:
                kwargs[name] = kwargs.pop(sdk_name)
        return args, kwargs


SDK_ROWS: Tuple[SdkRow, ...] = (
    SdkRow("chat.completions.create", chat_ops.chat, ("messages",), stream=_chat_stream),
    SdkRow(
        "embeddings.create",
        embedding_ops.embedding,
        ("input",),
        result=_embedding_response,
    ),
    SdkRow("moderations.create", moderation_ops.moderation, ("input",)),
    SdkRow("images.generate", image_ops.text_to_image, ("prompt",)),
    SdkRow("audio.speech.create", audio_ops.text_to_speech, ("input",)),
    SdkRow(
        "audio.transcriptions.create", audio_ops.speech_to_text, ("file",), prepare=_file_argument
    ),
    SdkRow(
        "audio.translations.create", audio_ops.translate_audio, ("file",), prepare=_file_argument
    ),
    SdkRow("models.list", model_ops.list_models),
    SdkRow("responses.create", response_ops.respond, ("input",), stream=_response_stream),
    SdkRow("files.create", file_ops.upload_file, ("file",), prepare=_file_argument),
    SdkRow("files.retrieve", file_ops.retrieve_file, ("file_id",), by_position=True),
    SdkRow("files.list", file_ops.list_files, iterates=True),
    SdkRow("files.delete", file_ops.delete_file, ("file_id",), by_position=True),
    SdkRow("files.content", file_ops.download_file, ("file_id",), result=_binary, by_position=True),
    SdkRow("batches.create", batch_ops.create_batch, ("input_file_id",)),
    SdkRow("batches.retrieve", batch_ops.retrieve_batch, ("batch_id",), by_position=True),
    SdkRow("batches.cancel", batch_ops.cancel_batch, ("batch_id",), by_position=True),
    SdkRow("batches.list", batch_ops.list_batches, iterates=True),
)
