"""The voice-agent turn, written once: speech-to-text -> chat with history -> speech.

A :class:`VoiceSession` is the conversation state (no I/O); ``process_text``
and ``process_audio`` are flows over it that ``yield from`` the stt, chat and
tts flows, so the blocking and the asyncio agent run the very same turn. The
history is committed only after the whole turn succeeded: a failed
transcription, completion or synthesis leaves the conversation exactly as it
was, and the turn can simply be retried.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Mapping, Optional, Tuple

import attrs

from .._core.audio_source import AudioInput
from .._core.context import ClientCore
from .._core.effects import Flow
from ..errors import BadRequestError, InvalidResponseError
from ..models.chat import ChatResponse
from .audio import DEFAULT_TTS_MODEL, speech_body, speech_to_text, text_to_speech
from .chat import chat

__all__ = ["VoiceResponse", "VoiceSession", "create_voice_agent", "process_audio", "process_text"]

Message = Dict[str, Any]


@attrs.frozen
class VoiceResponse:
    """One turn's outcome: what the assistant said, as text and as audio."""

    text_response: str
    audio_response: bytes = attrs.field(repr=lambda audio: f"<{len(audio)} bytes>")
    #: What the speech-to-text step heard (``process_audio`` only, else None).
    transcript: Optional[str] = None
    #: The full chat completion (usage, model, id) behind ``text_response``.
    chat_response: Optional[ChatResponse] = attrs.field(default=None, repr=False)


@attrs.define(eq=False)
class VoiceSession:
    """A conversation's state: options and the committed history.

    ``history`` is a tuple replaced as a whole on commit, so a reader never
    sees half a turn. ``generation`` counts resets: a turn that was running
    while the conversation was reset is not committed into the new one. A
    session is one conversation: its turns are meant to run one after
    another (each turn's question is answered from the history it started
    with).
    """

    client: ClientCore
    system_prompt: str
    chat_options: Dict[str, Any]
    tts_options: Dict[str, Any]
    stt_options: Dict[str, Any]
    history: Tuple[Message, ...] = ()
    generation: int = 0

    def __attrs_post_init__(self) -> None:
        self.history = self._initial()

    def _initial(self) -> Tuple[Message, ...]:
        if not self.system_prompt:
            return ()
        return ({"role": "system", "content": self.system_prompt},)

    def messages(self) -> List[Message]:
        """A deep copy of the history: callers cannot change the conversation by accident."""
        return copy.deepcopy(list(self.history))

    def reset(self, system_prompt: Optional[str] = None) -> None:
        if system_prompt is not None:
            _check_prompt(system_prompt)
            self.system_prompt = system_prompt
        self.generation += 1
        self.history = self._initial()

    def commit(self, generation: int, turn: Tuple[Message, ...]) -> None:
        """Append a finished turn, unless the conversation was reset meanwhile."""
        if generation == self.generation:
            self.history = self.history + turn


def _check_prompt(system_prompt: Any) -> None:
    if not isinstance(system_prompt, str):
        raise BadRequestError(
            f"system_prompt must be a string, not {type(system_prompt).__name__}",
            param="system_prompt",
        )


def _options(
    value: Optional[Mapping[str, Any]], param: str, reserved: Tuple[str, ...]
) -> Dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadRequestError(
            f"{param} must be a dict of keyword arguments, not {type(value).__name__}",
            param=param,
        )
    taken = sorted(name for name in reserved if name in value)
    if taken:
        raise BadRequestError(
            f"{param} must not set {', '.join(taken)}: the agent provides it", param=param
        )
    return dict(value)


def create_voice_agent(
    ctx: ClientCore,
    /,
    system_prompt: str,
    tts_options: Optional[Mapping[str, Any]] = None,
    chat_options: Optional[Mapping[str, Any]] = None,
    stt_options: Optional[Mapping[str, Any]] = None,
) -> VoiceSession:
    """Create a voice agent: ``process_text(q)`` / ``process_audio(audio)`` run one turn.

    A turn transcribes the audio (``stt_options`` go to ``speech_to_text``),
    sends the history plus the user's words to ``chat`` (``chat_options``:
    ``model``, ``temperature``, ...) and speaks the answer with
    ``text_to_speech`` (``tts_options``: ``voice``, ``response_format``,
    ``speed``, ``model``). The result has ``.text_response``,
    ``.audio_response`` (bytes) and ``.transcript`` (audio turns only). The
    history only changes when a turn succeeds. ``get_messages()`` returns a
    copy of it; ``reset(system_prompt=None)`` starts over. The speech options
    are checked here, so a bad voice fails now rather than on the first turn.
    """
    _check_prompt(system_prompt)
    tts = _options(tts_options, "tts_options", ("text", "input"))
    chat_opts = _options(chat_options, "chat_options", ("messages",))
    stt = _options(stt_options, "stt_options", ("audio",))
    speech_body(
        "check",
        tts.get("voice", "alloy"),
        tts.get("model", DEFAULT_TTS_MODEL),
        tts.get("response_format", "mp3"),
        tts.get("speed", 1.0),
        {},
    )
    return VoiceSession(ctx, system_prompt, chat_opts, tts, stt)


def _turn(session: VoiceSession, user_text: str, transcript: Optional[str]) -> Flow[VoiceResponse]:
    generation = session.generation
    user_message: Message = {"role": "user", "content": user_text}
    messages = [*session.history, user_message]  # chat copies each message; history untouched
    reply = yield from chat(session.client, messages, **session.chat_options)
    text = reply.content
    if not text or not text.strip():
        raise InvalidResponseError(
            f"the model answered without any text to speak (finish_reason={reply.finish_reason!r})",
            request_id=reply.request_id,
        )
    audio = yield from text_to_speech(session.client, text, **session.tts_options)
    session.commit(generation, (user_message, dict(reply.message)))
    return VoiceResponse(text, audio, transcript, reply)


def process_text(session: VoiceSession, /, text: str) -> Flow[VoiceResponse]:
    """One turn from typed text: chat with the history, then speak the answer.

    ``.transcript`` of the result is None. An empty ``text`` raises
    ``BadRequestError`` before anything is sent. If any step fails, the
    history is unchanged.
    """
    if not isinstance(text, str) or not text.strip():
        raise BadRequestError("text must be a non-empty string", param="text")
    return (yield from _turn(session, text, None))


def process_audio(
    session: VoiceSession, /, audio: AudioInput, *, filename: Optional[str] = None
) -> Flow[VoiceResponse]:
    """One turn from speech: transcribe, chat with the history, speak the answer.

    ``audio`` is bytes, a path or a binary file object (``filename=`` names
    bytes whose format cannot be sniffed). ``.transcript`` is what was heard.
    Audio in which nothing was recognised raises ``BadRequestError``
    (``param="audio"``) rather than sending an empty message to the model.
    If any step fails, the history is unchanged.
    """
    stt_options = dict(session.stt_options)
    if filename is not None:
        stt_options["filename"] = filename
    result = yield from speech_to_text(session.client, audio, **stt_options)
    transcript = (result if isinstance(result, str) else result.text).strip()
    if not transcript:
        raise BadRequestError("no speech was recognised in the audio", param="audio")
    return (yield from _turn(session, transcript, transcript))
