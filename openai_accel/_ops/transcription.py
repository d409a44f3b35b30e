"""Speech to text: a transcription, whole or streamed."""

from __future__ import annotations

import enum
from typing import (
    Any,
    Dict,
    List,
    Optional,
    Sequence,
    Union,
)

from .._core.audio_source import AudioInput
from .._core.context import ClientCore
from .._core.effects import Flow, emit
from .._core.endpoints import ENDPOINTS
from .._core.json_stream import JSONStreamDecoder
from .._core.pipeline import finish_error, finish_ok, open_exchange, read_stream
from .._core.request import ApiCall, split_options
from ..errors import BadRequestError, StreamError
from ..models._base import structure
from ..models.audio import Transcription
from ..models.transcription_stream import TranscriptionEvent
from ..types import TranscriptionFormat
from .audio_common import (
    DEFAULT_FORMAT as _DEFAULT_FORMAT,
)
from .audio_common import (
    TEXT_FORMATS,
    upload_call,
)
from .audio_common import audio_call as _audio_call
from .audio_common import check_text as _check_text
from .audio_common import choice as _choice
from .audio_common import common_fields as _common_fields
from .audio_common import extra_fields as _extra_fields
from .audio_common import form_value as _form_value
from .audio_common import parse_transcription as _parse_transcription

__all__ = ["TIMESTAMP_MODELS", "speech_to_text", "stream_transcription"]

DEFAULT_STT_MODEL = "whisper-1"
DEFAULT_STREAM_STT_MODEL = "gpt-4o-transcribe"
_GRANULARITIES = ("word", "segment")
#: The models that return word and segment timestamps (with verbose_json only).
#: gpt-4o-transcribe and gpt-4o-mini-transcribe answer in json or text, without them.
TIMESTAMP_MODELS = frozenset({"whisper-1"})
#: whisper-1 ignores ``stream=true`` and answers in one piece.
_NON_STREAMING_MODELS = frozenset({"whisper-1"})


def _check_timestamps_model(model: Any) -> None:
    if model not in TIMESTAMP_MODELS:
        raise BadRequestError(
            f"timestamp_granularities are only supported by whisper-1 (with "
            f"response_format='verbose_json'), not by {model!r}",
            param="timestamp_granularities",
        )


def _granularities(value: Any) -> List[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not items:
        raise BadRequestError(
            "timestamp_granularities must be 'word', 'segment' or a list of them",
            param="timestamp_granularities",
        )
    result = []
    for item in items:
        name = item.value if isinstance(item, enum.Enum) else item
        if name not in _GRANULARITIES:
            raise BadRequestError(
                f"timestamp_granularities items must be 'word' or 'segment', got {item!r:.40}",
                param="timestamp_granularities",
            )
        result.append(name)
    return result


def speech_to_text(
    ctx: ClientCore,
    /,
    audio: AudioInput,
    *,
    model: str = DEFAULT_STT_MODEL,
    language: Optional[str] = None,
    prompt: Optional[str] = None,
    response_format: Union[TranscriptionFormat, str] = _DEFAULT_FORMAT,
    timestamp_granularities: Optional[Sequence[str]] = None,
    temperature: Optional[float] = None,
    filename: Optional[str] = None,
    **extra: Any,
) -> Flow[Union[Transcription, str]]:
    """Transcribe audio: a ``Transcription``, or a plain ``str`` for text/srt/vtt.

    ``audio`` is bytes, a path or a binary file object; files are streamed
    from disk, never loaded whole, and re-read for each retry. The file name
    (from the path, the object's ``.name`` or ``filename=``) tells the server
    the format; bytes without a name are sniffed. ``verbose_json`` fills
    ``.segments`` and, with ``timestamp_granularities=["word"]``, ``.words``.
    Timestamps need verbose_json: it is chosen when ``response_format`` is
    left at its default, and any other explicit format is a
    ``BadRequestError``. Only ``whisper-1`` gives timestamps; asking another
    model (gpt-4o-transcribe...) for them is a ``BadRequestError`` before the
    upload. Text formats are returned exactly as the server sent
    them (``text`` ends with a newline). Other keyword arguments become form
    fields (lists as repeated ``name[]`` fields).
    """
    _check_text(language, "language")
    granularities = (
        None if timestamp_granularities is None else _granularities(timestamp_granularities)
    )
    fmt = _choice(response_format, TranscriptionFormat, "response_format")
    if granularities:
        _check_timestamps_model(model)
        if response_format is _DEFAULT_FORMAT:
            fmt = TranscriptionFormat.VERBOSE_JSON.value
        elif fmt != TranscriptionFormat.VERBOSE_JSON.value:
            raise BadRequestError(
                f"timestamp_granularities need response_format='verbose_json', not {fmt!r}",
                param="response_format",
            )
    options, body_extra = split_options(extra)
    fields = _common_fields(model, prompt, fmt, temperature)
    fields += _form_value("language", language)
    fields += _form_value("timestamp_granularities[]", granularities)
    fields += _extra_fields(body_extra)
    endpoint = ENDPOINTS["stt"]
    text_reply = fmt in TEXT_FORMATS
    return (
        yield from _audio_call(
            ctx, endpoint, audio, filename, fields, options, model, _parse_transcription, text_reply
        )
    )


def stream_transcription(
    ctx: ClientCore,
    /,
    audio: AudioInput,
    *,
    model: str = DEFAULT_STREAM_STT_MODEL,
    language: Optional[str] = None,
    prompt: Optional[str] = None,
    temperature: Optional[float] = None,
    filename: Optional[str] = None,
    **extra: Any,
) -> Flow[Transcription]:
    """Transcribe while the model listens: iterate for ``TranscriptionEvent`` items.

    ``transcript.text.delta`` events carry ``.delta`` as the text grows;
    ``final()`` is the ``Transcription`` (text and token usage) of the
    closing ``transcript.text.done`` event. Streaming needs a gpt-4o
    transcription model (whisper-1 does not stream), and those give no
    timestamps: ``timestamp_granularities`` is refused before the upload. A
    stream that ends before ``[DONE]`` raises ``StreamError``. ``audio`` is
    accepted as for ``speech_to_text``.
    """
    if model in _NON_STREAMING_MODELS:
        raise BadRequestError(
            f"{model} does not stream transcriptions; use speech_to_text, or a gpt-4o "
            "transcription model (gpt-4o-transcribe, gpt-4o-mini-transcribe)",
            param="model",
        )
    if extra.get("timestamp_granularities") is not None:
        _check_timestamps_model(model)
    _check_text(language, "language")
    options, body_extra = split_options(extra)
    body_extra.pop("stream", None)
    fields = _common_fields(model, prompt, None, temperature)
    fields += _form_value("language", language)
    fields += _extra_fields(body_extra)
    fields.append(("stream", "true"))
    call, body = upload_call(ENDPOINTS["stt_stream"], audio, filename, fields, options, model)
    try:
        return (yield from _read_transcription_stream(ctx, call))
    finally:
        body.close()


def _read_transcription_stream(ctx: ClientCore, call: ApiCall) -> Flow[Transcription]:
    exchange = yield from open_exchange(ctx, call)
    decoder = JSONStreamDecoder()
    done: Optional[Dict[str, Any]] = None
    texts: List[str] = []
    received = 0
    first = True
    try:
        while not decoder.done:
            data = yield from read_stream(exchange.response.stream)
            if not data:
                decoder.finish()
                break
            received += len(data)
            for payload in decoder.feed(data):
                event = structure(payload, TranscriptionEvent)
                if event.type == "transcript.text.delta" and event.delta:
                    if first:
                        first = False
                        ctx.recorder.first_token(exchange.metrics)
                    texts.append(event.delta)
                elif event.type == "transcript.text.done":
                    done = payload
                yield from emit(event)
        if done is None:
            raise StreamError("the transcription stream ended without transcript.text.done")
        body = {"text": done.get("text", "".join(texts)), "usage": done.get("usage")}
        final = structure(body, Transcription, request_id=exchange.request_id)
    except GeneratorExit:
        error = StreamError("closed by the caller before the end")
        finish_error(ctx, exchange, error, response_size=received)
        raise
    except BaseException as exc:
        finish_error(ctx, exchange, exc, response_size=received)
        raise
    finally:
        exchange.close()
    finish_ok(ctx, exchange, usage=final.usage, response_size=received)
    return final
