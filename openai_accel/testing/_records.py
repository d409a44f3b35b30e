"""What tests hand to the emulator (scripted replies) and get back (received requests)."""

from __future__ import annotations

import json as _json
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

import attrs


def _serialisable(what: str, value: Any) -> None:
    """Refuse at construction what the server could only fail on while replying.

    A set, a datetime or an object nested past the recursion limit would
    otherwise be accepted here and crash the emulator mid-request, which the
    client under test sees as a dropped connection: a confusing test failure
    far from its cause.
    """
    try:
        _json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise TypeError(
            f"ScriptedResponse({what}=...) must be JSON serialisable "
            f"(dict, list, str, int, float, bool, None): {type(exc).__name__}: {exc}; "
            "pass raw bytes as body= to send something that is not JSON"
        ) from None


def _check_json(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None:
        _serialisable("json", value)


def _check_events(instance: Any, attribute: Any, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise TypeError(
            "ScriptedResponse(sse_events=...) must be a list of events (mappings or strings), "
            f"got {type(value).__name__}"
        )
    for index, event in enumerate(value):
        if isinstance(event, Mapping):
            _serialisable(f"sse_events[{index}]", event)
        elif not isinstance(event, str):
            raise TypeError(
                f"ScriptedResponse(sse_events[{index}]) must be a mapping or a str, "
                f"got {type(event).__name__}"
            )


def _check_body(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"ScriptedResponse(body=...) must be bytes, got {type(value).__name__}")


def _check_status(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 599:
        raise ValueError(f"ScriptedResponse(status=...) must be an HTTP status, got {value!r}")


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

    status: int = attrs.field(default=200, validator=_check_status)
    json: Any = attrs.field(default=None, validator=_check_json)
    body: Optional[bytes] = attrs.field(default=None, validator=_check_body)
    headers: Mapping[str, str] = attrs.field(factory=dict)
    sse_events: Optional[Sequence[Union[Mapping[str, Any], str]]] = attrs.field(
        default=None, validator=_check_events
    )
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
