"""Lifecycle, observation (requests, connections) and scripted replies."""

from __future__ import annotations

import asyncio
import threading
import time

import aiohttp
import pytest
import requests

from openai_accel.testing import Emulator, Fault, ScriptedResponse, run_forever

from .conftest import KEY
from .helpers import chat, sse_payloads

CHAT = "/v1/chat/completions"


def test_urls_point_at_the_loopback_port(emulator):
    assert emulator.url == f"http://127.0.0.1:{emulator.port}"
    assert emulator.base_url == emulator.url + "/v1"


def test_context_manager_starts_and_stops():
    with Emulator() as emulator:
        url = emulator.base_url
        assert requests.get(url + "/models", timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/models", timeout=5)


def test_repr_never_shows_the_key(emulator):
    assert KEY not in repr(emulator)


def test_starting_twice_is_an_error(emulator):
    with pytest.raises(RuntimeError):
        emulator.start()


def test_asyncio_client_on_another_loop_is_served(emulator):
    async def fetch():
        headers = {"Authorization": f"Bearer {KEY}"}
        async with aiohttp.ClientSession(headers=headers) as session, session.get(
            emulator.base_url + "/models"
        ) as response:
            return response.status

    assert asyncio.run(fetch()) == 200


def test_pooled_client_reuses_one_connection(emulator):
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {KEY}"
        chat(session, emulator)
        chat(session, emulator)
    assert emulator.connections_opened == 1


def test_fresh_connections_are_counted(emulator):
    for _ in range(2):
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {KEY}"
            chat(session, emulator)
    assert emulator.connections_opened == 2


def test_requests_on_one_connection_share_the_peer(http, emulator):
    chat(http, emulator)
    chat(http, emulator)
    first, second = emulator.requests
    assert first.peer == second.peer and first.peer[0] == "127.0.0.1"


def test_received_request_has_lower_case_headers_and_json(http, emulator):
    chat(http, emulator, temperature=0.5)
    received = emulator.requests[-1]
    assert (received.method, received.path) == ("POST", CHAT)
    assert received.headers["authorization"] == f"Bearer {KEY}"
    assert received.json["temperature"] == 0.5
    assert received.form is None
    assert received.received_at > 0


def test_request_count_filters_by_path(http, emulator):
    chat(http, emulator)
    http.get(emulator.base_url + "/models")
    assert emulator.request_count() == 2
    assert emulator.request_count(CHAT) == 1
    assert emulator.request_count("models") == 1


def test_reset_forgets_requests_scripts_and_faults(http, emulator):
    chat(http, emulator)
    emulator.enqueue(ScriptedResponse(json={"x": 1}))
    emulator.inject(Fault(status=500))
    emulator.reset()
    assert emulator.requests == [] and emulator.connections_opened == 0
    assert chat(http, emulator).json()["object"] == "chat.completion"


def test_reset_restores_the_settings_the_emulator_was_built_with():
    with Emulator(api_key="sk-start", latency=0.0) as emulator:
        emulator.api_key, emulator.latency, emulator.stream_chunk_delay = None, 0.2, 0.05
        emulator.reset()
        assert (emulator.api_key, emulator.latency, emulator.stream_chunk_delay) == (
            "sk-start",
            0.0,
            0.0,
        )


def test_run_forever_serves_until_stopped():
    stop = threading.Event()
    started = []
    thread = threading.Thread(
        target=run_forever,
        kwargs={
            "faults": [Fault(status=418)],
            "ready": lambda emulator: started.append(emulator.base_url),
            "stop": stop,
        },
    )
    thread.start()
    try:
        for _ in range(100):
            if started:
                break
            stop.wait(0.05)
        assert requests.get(started[0] + "/models", timeout=5).status_code == 418
        assert requests.get(started[0] + "/models", timeout=5).status_code == 200
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


# -- scripted replies ---------------------------------------------------------------------


def test_scripted_json_replaces_the_next_reply(http, emulator):
    emulator.enqueue(ScriptedResponse(status=201, json={"hello": "world"}, headers={"x-a": "1"}))
    response = chat(http, emulator)
    assert response.status_code == 201
    assert response.json() == {"hello": "world"}
    assert response.headers["x-a"] == "1"
    assert response.headers["x-request-id"].startswith("req_")
    assert chat(http, emulator).json()["object"] == "chat.completion"


def test_scripts_are_served_in_order(http, emulator):
    for index in range(3):
        emulator.enqueue(ScriptedResponse(json={"n": index}))
    assert [chat(http, emulator).json()["n"] for _ in range(3)] == [0, 1, 2]


def test_script_for_a_route_waits_for_that_route(http, emulator):
    emulator.enqueue(ScriptedResponse(json={"scripted": True}), route="/v1/embeddings")
    assert "scripted" not in chat(http, emulator).json()
    response = http.post(emulator.base_url + "/embeddings", json={})
    assert response.json() == {"scripted": True}


def test_scripted_raw_body_and_content_type(http, emulator):
    emulator.enqueue(ScriptedResponse(body=b"\x00\x01", content_type="audio/mpeg"))
    response = http.post(emulator.base_url + "/audio/speech", json={})
    assert response.content == b"\x00\x01"
    assert response.headers["content-type"] == "audio/mpeg"


def test_scripted_sse_events_end_with_done(http, emulator):
    emulator.enqueue(ScriptedResponse(sse_events=[{"a": 1}, "raw"]))
    response = chat(http, emulator, stream=True)
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert sse_payloads(response.content) == ['{"a":1}', "raw", "[DONE]"]


def test_scripted_stream_can_be_cut_by_a_fault(http, emulator):
    emulator.enqueue(ScriptedResponse(sse_events=[{"a": 1}, {"a": 2}, {"a": 3}]))
    emulator.inject(Fault(cut_stream_after=2))
    response = chat(http, emulator, lazy=True, stream=True)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        response.content  # noqa: B018 - reading the body is the point


def test_scripts_answer_routes_the_emulator_does_not_implement(http, emulator):
    emulator.enqueue(ScriptedResponse(json={"object": "response"}), route="/v1/responses")
    assert http.post(emulator.base_url + "/responses", json={}).json() == {"object": "response"}


def test_unknown_route_is_a_404_invalid_url(http, emulator):
    response = http.post(emulator.base_url + "/nowhere", json={})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "Invalid URL (POST /v1/nowhere)"


def test_wrong_method_is_a_405(http, emulator):
    assert http.get(emulator.base_url + "/chat/completions").status_code == 405


# -- auth -----------------------------------------------------------------------------------


def test_wrong_key_is_a_401_with_a_masked_key(emulator):
    response = requests.post(
        emulator.base_url + "/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": "Bearer sk-wrong-api-key"},
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "message": "Incorrect API key provided: sk-wrong****-key. You can find your API key "
            "at https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }
    assert response.text.startswith('{\n    "error": {\n        "message"')
    assert response.text.endswith("}\n")
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "openai-processing-ms" not in response.headers
    assert response.headers["x-request-id"].startswith("req_")


def test_missing_key_is_a_401(emulator):
    response = requests.get(emulator.base_url + "/models")
    assert response.status_code == 401
    assert response.json()["error"]["message"].startswith("You didn't provide an API key.")


def test_without_a_configured_key_any_key_is_accepted(emulator):
    emulator.api_key = None
    response = requests.get(emulator.base_url + "/models", headers={"Authorization": "Bearer x"})
    assert response.status_code == 200


def test_client_hanging_up_mid_stream_is_not_an_emulator_error(http, emulator, caplog):
    emulator.stream_chunk_delay = 0.02
    response = chat(http, emulator, lazy=True, stream=True)
    assert next(response.iter_lines()).startswith(b"data: ")
    response.close()
    time.sleep(0.3)  # the server's next writes meet a closed connection
    assert chat(http, emulator).status_code == 200
    assert not [r for r in caplog.records if r.name.startswith("openai_accel.testing")]


def test_request_ids_do_not_repeat_after_a_reset(http, emulator):
    first = chat(http, emulator).headers["x-request-id"]
    emulator.reset()
    assert chat(http, emulator).headers["x-request-id"] != first
