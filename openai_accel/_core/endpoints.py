"""The endpoint table: every API call the library makes, as data.

Adding an endpoint means adding a row here (and a model if the reply is new);
the pipeline, both drivers and the metrics handle it without further code.
"""

from __future__ import annotations

import enum
from typing import Dict

import attrs

__all__ = ["ENDPOINTS", "Encoding", "Endpoint", "Reply"]


class Encoding(enum.Enum):
    """How the request body is encoded."""

    JSON = "json"
    MULTIPART = "multipart"
    NONE = "none"


class Reply(enum.Enum):
    """How the reply body is read."""

    JSON = "json"  #: one JSON document
    BYTES = "bytes"  #: raw bytes (audio, images)
    JSON_OR_TEXT = "json_or_text"  #: JSON, or text when the caller asked for text/srt/vtt
    SSE = "sse"  #: a server-sent event stream, read incrementally
    BYTE_STREAM = "byte_stream"  #: raw bytes, read incrementally


@attrs.frozen
class Endpoint:
    name: str
    method: str
    path: str
    encoding: Encoding
    reply: Reply
    #: The metrics request type (``RequestMetrics.request_type``).
    request_type: str
    #: False for URLs outside the API (an image download): they must not see the
    #: key or the client's headers, and their failures say nothing about the
    #: API's health, so the circuit breaker is not consulted either.
    authenticated: bool = True

    @property
    def streams(self) -> bool:
        return self.reply in (Reply.SSE, Reply.BYTE_STREAM)


def _rows(*endpoints: Endpoint) -> Dict[str, Endpoint]:
    return {endpoint.name: endpoint for endpoint in endpoints}


E, R = Encoding, Reply

ENDPOINTS: Dict[str, Endpoint] = _rows(
    Endpoint("chat", "POST", "/chat/completions", E.JSON, R.JSON, "chat"),
    Endpoint("chat_stream", "POST", "/chat/completions", E.JSON, R.SSE, "chat_stream"),
    Endpoint("embedding", "POST", "/embeddings", E.JSON, R.JSON, "embedding"),
    Endpoint("moderation", "POST", "/moderations", E.JSON, R.JSON, "moderation"),
    Endpoint("image", "POST", "/images/generations", E.JSON, R.JSON, "image"),
    Endpoint("image_download", "GET", "", E.NONE, R.BYTES, "image_download", authenticated=False),
    Endpoint("tts", "POST", "/audio/speech", E.JSON, R.BYTES, "tts"),
    Endpoint("tts_stream", "POST", "/audio/speech", E.JSON, R.BYTE_STREAM, "tts_stream"),
    Endpoint("stt", "POST", "/audio/transcriptions", E.MULTIPART, R.JSON_OR_TEXT, "stt"),
    Endpoint(
        "translation", "POST", "/audio/translations", E.MULTIPART, R.JSON_OR_TEXT, "translation"
    ),
    Endpoint("models", "GET", "/models", E.NONE, R.JSON, "models"),
    # -- Responses API and streamed transcription (responses) --
    Endpoint("response", "POST", "/responses", E.JSON, R.JSON, "response"),
    Endpoint("response_stream", "POST", "/responses", E.JSON, R.SSE, "response_stream"),
    Endpoint("stt_stream", "POST", "/audio/transcriptions", E.MULTIPART, R.SSE, "stt_stream"),
)

# -- files and batch jobs (issue 10): the id goes after the path (``ApiCall.url``) --
ENDPOINTS.update(
    _rows(
        Endpoint("file_upload", "POST", "/files", E.MULTIPART, R.JSON, "file_upload"),
        Endpoint("file_retrieve", "GET", "/files", E.NONE, R.JSON, "file_retrieve"),
        Endpoint("file_list", "GET", "/files", E.NONE, R.JSON, "file_list"),
        Endpoint("file_delete", "DELETE", "/files", E.NONE, R.JSON, "file_delete"),
        Endpoint("file_content", "GET", "/files", E.NONE, R.BYTE_STREAM, "file_content"),
        Endpoint("batch_create", "POST", "/batches", E.JSON, R.JSON, "batch_create"),
        Endpoint("batch_retrieve", "GET", "/batches", E.NONE, R.JSON, "batch_retrieve"),
        Endpoint("batch_cancel", "POST", "/batches", E.NONE, R.JSON, "batch_cancel"),
        Endpoint("batch_list", "GET", "/batches", E.NONE, R.JSON, "batch_list"),
    )
)
