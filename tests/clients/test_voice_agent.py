"""Voice agents on both clients: turns with history, and history only on success."""

from __future__ import annotations

import pytest

from openai_accel import BadRequestError, InvalidResponseError
from openai_accel.voice import AsyncVoiceAgent, VoiceAgent

from ..helpers import chat_body, reply, sent_json

SYSTEM = "You are a concise assistant."
WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(range(256)) * 4
SPEECH = b"ID3 spoken answer"


def chat_requests(emulator):
    return [r for r in emulator.requests if r.path == "/v1/chat/completions"]


class FakeApi:
    """A mock server for the three steps; ``failing`` names the step that answers 400."""

    def __init__(self):
        self.failing = None
        self.transcript = "what time is it"
        self.answer = "It is noon."
        self.on_chat = None

    def __call__(self, request):
        step = {"transcriptions": "stt", "completions": "chat", "speech": "tts"}[
            request.url.rsplit("/", 1)[-1]
        ]
        if step == self.failing:
            error = {
                "message": f"{step} failed",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
            return reply(400, {"error": error})
        if step == "stt":
            return reply(200, {"text": self.transcript})
        if step == "chat":
            if self.on_chat is not None:
                self.on_chat()
            return reply(200, chat_body(self.answer))
        return reply(200, raw=SPEECH, content_type="audio/mpeg")


@pytest.fixture
def fake():
    return FakeApi()


@pytest.fixture
def mock_api(make_mock_api, fake):
    return make_mock_api(fake, max_retries=0)


def make_agent(api, *args, **kwargs):
    return api.call("create_voice_agent", *args, **kwargs)


# -- against the emulator ----------------------------------------------------


def test_a_three_turn_conversation_keeps_its_history(api, openai_emulator):
    agent = make_agent(api, SYSTEM, tts_options={"response_format": "wav"})
    first = api.resolve(agent.process_text("What is the capital of France?"))
    spoken = "Tell me something about Paris"
    question_audio = api.call("text_to_speech", spoken, response_format="wav")
    second = api.resolve(agent.process_audio(question_audio))
    third = api.resolve(agent.process_text("Thank you very much"))

    assert (first.transcript, second.transcript, third.transcript) == (None, spoken, None)
    for turn in (first, second, third):
        assert turn.text_response
        assert turn.audio_response[:4] == b"RIFF"
    messages = agent.get_messages()
    assert messages == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": first.text_response},
        {"role": "user", "content": spoken},
        {"role": "assistant", "content": second.text_response},
        {"role": "user", "content": "Thank you very much"},
        {"role": "assistant", "content": third.text_response},
    ]
    sent = [request.json["messages"] for request in chat_requests(openai_emulator)]
    assert sent == [messages[:2], messages[:4], messages[:6]]


def test_the_audio_answer_speaks_the_text_answer(api):
    agent = make_agent(api, SYSTEM, tts_options={"response_format": "wav"})
    turn = api.resolve(agent.process_text("Say something short"))
    assert api.call("speech_to_text", turn.audio_response).text == turn.text_response


def test_each_client_makes_its_own_agent_type(api):
    agent = make_agent(api, SYSTEM)
    assert type(agent) is (AsyncVoiceAgent if api.is_async else VoiceAgent)


# -- against a mock server ---------------------------------------------------


@pytest.mark.parametrize("step", ["stt", "chat", "tts"])
def test_a_failed_turn_leaves_the_history_unchanged(mock_api, fake, step):
    agent = make_agent(mock_api, SYSTEM)
    mock_api.resolve(agent.process_text("first question"))
    before = agent.get_messages()
    fake.failing = step
    with pytest.raises(BadRequestError, match=f"{step} failed"):
        mock_api.resolve(agent.process_audio(WAV))
    assert agent.get_messages() == before
    fake.failing = None
    mock_api.resolve(agent.process_audio(WAV))
    assert agent.get_messages()[len(before) :] == [
        {"role": "user", "content": "what time is it"},
        {"role": "assistant", "content": "It is noon."},
    ]


def test_an_answer_without_text_fails_the_turn(mock_api, fake):
    agent = make_agent(mock_api, SYSTEM)
    fake.answer = None
    with pytest.raises(InvalidResponseError, match="without any text"):
        mock_api.resolve(agent.process_text("hello"))
    assert agent.get_messages() == [{"role": "system", "content": SYSTEM}]
    assert [r.url.rsplit("/", 1)[-1] for r in mock_api.client._driver.transport.requests] == [
        "completions"
    ]


def test_audio_with_no_speech_fails_before_the_chat(mock_api, fake):
    agent = make_agent(mock_api, SYSTEM)
    fake.transcript = "  "
    with pytest.raises(BadRequestError) as info:
        mock_api.resolve(agent.process_audio(WAV))
    assert info.value.param == "audio"
    assert len(mock_api.client._driver.transport.requests) == 1
    assert agent.get_messages() == [{"role": "system", "content": SYSTEM}]


def test_the_options_reach_each_step(mock_api):
    agent = make_agent(
        mock_api,
        SYSTEM,
        tts_options={"voice": "nova", "response_format": "opus"},
        chat_options={"model": "gpt-4o", "temperature": 0.1},
        stt_options={"language": "en"},
    )
    mock_api.resolve(agent.process_audio(WAV, filename="question.wav"))
    stt, chat, tts = mock_api.client._driver.transport.requests
    assert b'name="language"\r\n\r\nen\r\n' in stt.body
    assert b'filename="question.wav"' in stt.body
    assert sent_json(chat)["model"] == "gpt-4o"
    assert sent_json(chat)["temperature"] == 0.1
    assert (sent_json(tts)["voice"], sent_json(tts)["response_format"]) == ("nova", "opus")


def test_get_messages_returns_a_copy(mock_api):
    agent = make_agent(mock_api, SYSTEM)
    mock_api.resolve(agent.process_text("hi"))
    messages = agent.get_messages()
    messages.clear()
    agent.get_messages()[0]["content"] = "changed"
    assert agent.get_messages()[0] == {"role": "system", "content": SYSTEM}
    assert len(agent.get_messages()) == 3


def test_reset_forgets_the_turns_and_keeps_the_prompt(mock_api):
    agent = make_agent(mock_api, SYSTEM)
    mock_api.resolve(agent.process_text("hi"))
    agent.reset()
    assert agent.get_messages() == [{"role": "system", "content": SYSTEM}]


def test_reset_can_change_the_prompt(mock_api):
    agent = make_agent(mock_api, SYSTEM)
    mock_api.resolve(agent.process_text("hi"))
    agent.reset("Answer in French.")
    mock_api.resolve(agent.process_text("hello"))
    sent = sent_json(mock_api.client._driver.transport.requests[-2])
    assert sent["messages"] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "hello"},
    ]


def test_a_turn_running_during_a_reset_is_not_committed(mock_api, fake):
    agent = make_agent(mock_api, SYSTEM)
    fake.on_chat = agent.reset
    turn = mock_api.resolve(agent.process_text("hi"))
    assert turn.text_response == "It is noon."
    assert agent.get_messages() == [{"role": "system", "content": SYSTEM}]


def test_an_empty_question_is_refused_before_sending(mock_api):
    agent = make_agent(mock_api, SYSTEM)
    with pytest.raises(BadRequestError) as info:
        mock_api.resolve(agent.process_text("  "))
    assert info.value.param == "text"
    assert mock_api.client._driver.transport.requests == []


BAD_AGENTS = {
    "prompt not a string": ((None,), {}, "system_prompt"),
    "unknown voice": ((SYSTEM,), {"tts_options": {"voice": "robot"}}, "voice"),
    "bad speed": ((SYSTEM,), {"tts_options": {"speed": 9}}, "speed"),
    "tts text preset": ((SYSTEM,), {"tts_options": {"text": "x"}}, "tts_options"),
    "chat messages preset": ((SYSTEM,), {"chat_options": {"messages": []}}, "chat_options"),
    "options not a dict": ((SYSTEM,), {"chat_options": ["gpt-4o"]}, "chat_options"),
}


@pytest.mark.parametrize("name", sorted(BAD_AGENTS))
def test_bad_agent_options_fail_at_creation(mock_api, name):
    args, kwargs, param = BAD_AGENTS[name]
    with pytest.raises(BadRequestError) as info:
        make_agent(mock_api, *args, **kwargs)
    assert info.value.param == param
