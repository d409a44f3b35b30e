"""What the audio flows share: enum options, form fields, and the upload call.

Speech options are checked locally because the API's limits are fixed and
well known (a closed set of voices and formats): a typo should fail at once
with the list of valid values, not after a round trip. Uploads use the
streaming multipart encoder, so a recording is read from disk in pieces and
re-read from the start for every retry.
"""

from __future__ import annotations

import enum
import json
from typing import (
    Any,
    Callable,
    Dict,
    List,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from .._core.audio_source import AudioInput, audio_source
from .._core.context import ClientCore
from .._core.effects import Flow
from .._core.endpoints import Endpoint
from .._core.multipart import FilePart, MultipartBody
from .._core.pipeline import (
    Exchange,
    call_json,
    call_raw,
)
from .._core.request import ApiCall, CallOptions
from ..errors import BadRequestError, InvalidResponseError
from ..models._base import structure
from ..models._result import ResultStr
from ..models.audio import Transcription, Translation
from ..models.misc import check_usage
from ..types import TranscriptionFormat

__all__ = [
    "DEFAULT_FORMAT",
    "TEXT_FORMATS",
    "audio_call",
    "check_text",
    "choice",
    "common_fields",
    "extra_fields",
    "form_value",
    "parse_transcription",
    "parse_translation",
    "upload_call",
]

#: Reply formats that come back as plain text rather than JSON.
TEXT_FORMATS = frozenset({"text", "srt", "vtt"})

E = TypeVar("E", bound=enum.Enum)
R = TypeVar("R")


def choice(value: Any, enum_type: Type[E], param: str) -> str:
    """The wire value of an enum member, or of a string naming one (any case)."""
    if isinstance(value, enum_type):
        return str(value.value)
    if isinstance(value, str):
        wanted = value.strip().lower()
        for member in enum_type:
            if member.value == wanted:
                return str(member.value)
    valid = ", ".join(str(member.value) for member in enum_type)
    raise BadRequestError(f"{param} must be one of {valid}; got {value!r:.80}", param=param)


class _DefaultFormat(str):
    """The default transcription format: JSON, unless timestamps need verbose_json.

    A distinct object so the flow can tell "left at the default" (upgrade
    silently) from an explicit choice (refuse loudly); it prints like the
    documented default.
    """

    def __repr__(self) -> str:
        return "TranscriptionFormat.JSON"


DEFAULT_FORMAT: Any = _DefaultFormat(TranscriptionFormat.JSON.value)


def form_value(name: str, value: Any) -> List[Tuple[str, str]]:
    """Multipart fields for one parameter: arrays repeat ``name[]``, objects are JSON."""
    if value is None:
        return []
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    if isinstance(value, (str, int, float)):
        return [(name, str(value))]
    if isinstance(value, (list, tuple)):
        key = name if name.endswith("[]") else name + "[]"
        fields: List[Tuple[str, str]] = []
        for item in value:
            fields.extend(form_value(key, item))
        return fields
    return [(name, json.dumps(value, separators=(",", ":")))]


def _check_temperature(temperature: Any) -> None:
    if temperature is None:
        return
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not 0 <= temperature <= 1
    ):
        raise BadRequestError(
            f"temperature must be a number from 0 to 1, got {temperature!r}",
            param="temperature",
        )


def check_text(value: Any, param: str) -> None:
    if value is not None and not isinstance(value, str):
        raise BadRequestError(f"{param} must be a string, not {type(value).__name__}", param=param)


def upload_call(
    endpoint: Endpoint,
    audio: AudioInput,
    filename: Optional[str],
    fields: List[Tuple[str, str]],
    options: CallOptions,
    model: str,
) -> Tuple[ApiCall, MultipartBody]:
    """The call that uploads ``audio`` with ``fields``, and its body (close it when done).

    The file is wrapped (and checked) last, after every other argument, so a
    bad option never opens the file.
    """
    if filename is not None and (not isinstance(filename, str) or not filename):
        raise BadRequestError(
            f"filename must be a non-empty string, got {filename!r}", param="file"
        )
    try:
        source = audio_source(audio, filename)
    except TypeError as exc:  # not bytes, a path or a file object
        raise BadRequestError(str(exc), param="file") from exc
    body = MultipartBody(fields, [FilePart.from_source("file", source)])
    return ApiCall(endpoint, options, multipart=body, model=model), body


def audio_call(
    ctx: ClientCore,
    endpoint: Endpoint,
    audio: AudioInput,
    filename: Optional[str],
    fields: List[Tuple[str, str]],
    options: CallOptions,
    model: str,
    parse: Callable[[Any, Exchange], R],
    text_reply: bool,
) -> Flow[Union[R, str]]:
    """Upload ``audio`` with ``fields``; the reply as text, or parsed from JSON.

    The file is released when the call is over.
    """
    call, body = upload_call(endpoint, audio, filename, fields, options, model)
    try:
        if text_reply:
            return (yield from call_raw(ctx, call, _reply_text))
        return (yield from call_json(ctx, call, parse))
    finally:
        body.close()


def _reply_text(exchange: Exchange) -> str:
    try:
        return ResultStr(exchange.response.content.decode("utf-8"), exchange.response.headers)
    except UnicodeDecodeError as exc:
        raise InvalidResponseError(
            f"the transcript is not UTF-8 text: {exc}", request_id=exchange.request_id
        ) from exc


def parse_transcription(data: Any, exchange: Exchange) -> Transcription:
    transcription = structure(
        data, Transcription, request_id=exchange.request_id, headers=exchange.response.headers
    )
    check_usage(data, request_id=exchange.request_id)
    return transcription


def parse_translation(data: Any, exchange: Exchange) -> Translation:
    return structure(
        data, Translation, request_id=exchange.request_id, headers=exchange.response.headers
    )


def common_fields(
    model: Any, prompt: Any, response_format: Optional[str], temperature: Any
) -> List[Tuple[str, str]]:
    if not isinstance(model, str) or not model:
        raise BadRequestError(f"model must be a non-empty string, got {model!r}", param="model")
    check_text(prompt, "prompt")
    _check_temperature(temperature)
    fields = [("model", model)]
    fields += form_value("prompt", prompt)
    fields += form_value("response_format", response_format)
    fields += form_value("temperature", temperature)
    return fields


def extra_fields(body_extra: Dict[str, Any]) -> List[Tuple[str, str]]:
    fields: List[Tuple[str, str]] = []
    for name, value in body_extra.items():
        fields += form_value(name, value)
    return fields
