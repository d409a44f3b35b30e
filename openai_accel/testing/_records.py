"""What tests hand to the emulator (scripted replies) and get back (received requests)."""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import attrs


@attrs.frozen(kw_only=True)
class ScriptedResponse:
    """A canned reply for the next matching request, sent instead of the generated one.

    The body is the first of these that is set: ``sse_events`` (an SSE stream:
    mappings are sent as compact JSON, strings as they are, each as one
    ``data:`` event, followed by ``data: [DONE]`` unless ``done`` is false or the
    last event already is ``[DONE]``), ``body`` (raw bytes), ``json`` (pretty-printed
    like the API). ``headers`` add to (and override) the usual reply headers.
    Stream faults (``cut_stream_after``, ``error_event``) also apply to scripted
    streams, so a test can break a hand-written stream too.
    """

    status: int = 200
    json: Any = None
    body: Optional[bytes] = None
    headers: Mapping[str, str] = attrs.field(factory=dict)
    sse_events: Optional[Sequence[Union[Mapping[str, Any], str]]] = None
    done: bool = True
    content_type: Optional[str] = None


@attrs.frozen
class UploadedFile:
    """One file part of a multipart request (the audio of a transcription, say)."""

    filename: Optional[str]
    content_type: Optional[str]
    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")


@attrs.frozen(kw_only=True)
class ReceivedRequest:
    """One request as the emulator received it, faulted or not.

    ``headers`` has lower-case names. ``json`` is the decoded JSON body (None
    when the body is not JSON); ``form`` holds multipart fields, a ``str`` per
    text field (a list of them when the name repeats, as with
    ``timestamp_granularities[]``) and an :class:`UploadedFile` per file.
    ``request_id`` is the ``x-request-id`` the reply carried; ``peer`` is the
    client's address, the same for all requests sent over one kept-alive
    connection.
    """

    method: str
    path: str
    headers: Dict[str, str]
    json: Any
    form: Optional[Dict[str, Any]]
    body: bytes = attrs.field(repr=lambda b: f"<{len(b)} bytes>")
    query: Dict[str, str]
    received_at: float
    request_id: str
    peer: Optional[Tuple[str, int]]
