"""RequestsTransport against ``responses`` mocks: what goes out, what comes back, failures."""

from __future__ import annotations

import pytest
import requests
import responses

from openai_accel import APIConnectionError, APITimeoutError
from openai_accel._core.http import HttpRequest, Timeout
from openai_accel._core.multipart import FilePart, MultipartBody, audio_source
from openai_accel.transports.requests import RequestsTransport

URL = "https://api.example.test/v1/chat/completions"


@responses.activate
def test_sends_method_headers_body_and_reads_reply():
    responses.post(URL, json={"ok": True}, headers={"X-Request-ID": "req_1"}, status=201)
    transport = RequestsTransport()
    reply = transport.send(
        HttpRequest(
            "POST",
            URL,
            {"Authorization": "Bearer k", "Content-Type": "application/json"},
            b'{"a":1}',
        )
    )
    assert reply.status == 201
    assert reply.headers["x-request-id"] == "req_1"
    assert reply.content == b'{"ok": true}'
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == "Bearer k"
    assert sent.body == b'{"a":1}'


@responses.activate
def test_streamed_reply_is_read_in_pieces_and_closed():
    body = b"data: {}\n\n" * 100 + b"data: [DONE]\n\n"
    responses.post(URL, body=body, content_type="text/event-stream")
    transport = RequestsTransport()
    reply = transport.send(HttpRequest("POST", URL, {}, b"{}", stream=True))
    pieces = []
    while True:
        piece = reply.stream.read_chunk()
        if not piece:
            break
        pieces.append(piece)
    reply.stream.close()
    assert b"".join(pieces) == body


@responses.activate
def test_connection_error_becomes_api_connection_error():
    responses.post(URL, body=requests.ConnectionError("refused"))
    with pytest.raises(APIConnectionError, match="refused"):
        RequestsTransport().send(HttpRequest("POST", URL, {}, b"{}"))


@responses.activate
def test_timeout_becomes_api_timeout_error():
    responses.post(URL, body=requests.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        RequestsTransport().send(HttpRequest("POST", URL, {}, b"{}", timeout=Timeout(1, 2)))


@responses.activate
def test_multipart_body_is_streamed_with_a_content_length(tmp_path):
    path = tmp_path / "speech.wav"
    path.write_bytes(b"RIFF" + b"\x00" * 200_000)
    body = MultipartBody(
        [("model", "whisper-1")], [FilePart.from_source("file", audio_source(str(path)))]
    )
    responses.post("https://api.example.test/v1/audio/transcriptions", json={"text": "hi"})
    headers = {"Content-Type": body.content_type, "Content-Length": str(body.content_length)}
    RequestsTransport().send(
        HttpRequest("POST", "https://api.example.test/v1/audio/transcriptions", headers, body)
    )
    sent = responses.calls[0].request
    data = sent.body if isinstance(sent.body, bytes) else sent.body.read()
    assert sent.headers["Content-Length"] == str(body.content_length)
    assert "Transfer-Encoding" not in sent.headers
    assert len(data) == body.content_length
    assert b'filename="speech.wav"' in data
    assert data.count(b"\x00") >= 200_000


def test_environment_scan_is_off_by_default():
    assert RequestsTransport().session.trust_env is False
    assert RequestsTransport(proxies={"https": "http://proxy:3128"}).session.trust_env is True
