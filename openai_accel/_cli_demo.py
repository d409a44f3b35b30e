"""``openai-accel demo``: a tour of the library, offline against the embedded emulator.

Each step is a function of a :class:`Tour`; a failing step is reported and the
tour goes on. The calls themselves are here; the resilience steps (retries,
the breaker, the queue, StatsD, the asyncio client) are in
:mod:`openai_accel._cli_demo_resilience`.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from typing import Any, Callable, Dict, List, Optional, Tuple

from . import __version__
from ._cli_output import Spinner, clip, section, show

__all__ = ["Tour", "run_demo"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Tour:
    """What every step needs: the client, where it talks to, and the emulator if offline."""

    def __init__(
        self, stack: ExitStack, base_url: Optional[str], api_key: Optional[str], model: str
    ) -> None:
        from .testing import Emulator

        self.stack = stack
        self.model = model
        self.emulator: Optional[Emulator] = None
        if base_url is None:
            self.emulator = stack.enter_context(Emulator())
            base_url, api_key = self.emulator.base_url, api_key or "sk-demo"
            print(f"openai-accel {__version__}: emulator listening on {base_url} (offline)")
        else:
            print(f"openai-accel {__version__}: talking to {base_url}")
        self.base_url, self.api_key = base_url, api_key
        self.client = self.new_client(max_retries=3, initial_retry_delay=0.2)

    def new_client(self, **options: Any) -> Any:
        """Another blocking client on the same server, closed when the tour ends."""
        from . import OpenAI

        return self.stack.enter_context(
            OpenAI(api_key=self.api_key, base_url=self.base_url, **options)
        )


def _get_weather(city: str, unit: str = "celsius") -> Dict[str, Any]:
    """Current weather for a city.

    Args:
        city: The city name, e.g. Paris.
        unit: celsius or fahrenheit.
    """
    time.sleep(0.2)
    return {"city": city, "temperature": 21, "unit": unit, "sky": "clear"}


def _get_time(city: str) -> str:
    """The local time in a city."""
    time.sleep(0.2)
    return f"It is 14:05 in {city}."


def chat(tour: Tour) -> None:
    section("Chat completion")
    reply = tour.client.chat(
        [{"role": "user", "content": "Say hello in one word"}], model=tour.model
    )
    show("answer", repr(reply.content))
    show("model / finish", f"{reply.model} / {reply.finish_reason}")
    usage = reply.usage
    show("tokens in / out", f"{usage.prompt_tokens} / {usage.completion_tokens}" if usage else "-")
    show("request id", reply.request_id)


def stream(tour: Tour) -> None:
    section("Streaming")
    print("  ", end="")
    with tour.client.stream_chat("Count from one to five", model=tour.model) as chunks:
        for chunk in chunks:
            print(chunk.content or "", end="", flush=True)
    final = chunks.final()
    print()
    show("assembled", repr(final.content))
    show("usage (from last chunk)", final.usage.total_tokens if final.usage else "-")


def tools(tour: Tour) -> None:
    section("Tool calling: tools of one round run in parallel")
    started = time.monotonic()
    with Spinner("the model and the tools are working"):
        reply = tour.client.chat_with_functions(
            "What's the weather and the time in Paris?",
            {"get_weather": _get_weather, "get_time": _get_time},
            model=tour.model,
        )
    for message in reply.messages or []:
        if message["role"] == "tool":
            show(f"tool {message['tool_call_id'][:14]}", clip(message["content"], 44))
    show("answer", repr(clip(reply.content or "", 60)))
    show("rounds / seconds", f"{reply.rounds} / {time.monotonic() - started:.2f}")


def facts(tour: Tour) -> None:
    section("Model facts")
    for name in ("gpt-4o", "gpt-4o-mini-2024-07-18", "gpt-4", "gpt-3.5-turbo", "some-new-model"):
        tokens, vision = tour.client.get_model_max_tokens(name), tour.client.supports_vision(name)
        show(name, f"{tokens:>7} tokens, vision={vision}")


def embeddings(tour: Tour) -> None:
    section("Embeddings")
    vectors = tour.client.embedding(["first text", "second text"])
    show("vectors x dimensions", f"{len(vectors)} x {len(vectors[0])}")
    show("first values", [round(v, 4) for v in vectors[0][:4]])


def moderation(tour: Tour) -> None:
    section("Moderation")
    texts = ["have a nice day", "I will kill you"]
    result = tour.client.moderation(texts)
    for text, item in zip(texts, result.results):
        flagged = [name for name, hit in item.categories.items() if hit]
        show(repr(text), f"flagged={item.flagged} {flagged}")


def images(tour: Tour) -> None:
    section("Image generation")
    image = tour.client.text_to_image("a lighthouse at dawn", size="1024x1024")
    data = tour.client.get_image_bytes(image.data[0])
    show("revised prompt", repr(clip(image.data[0].revised_prompt or "", 44)))
    show("image bytes", f"{len(data)} (PNG: {data.startswith(_PNG_SIGNATURE)})")


def audio(tour: Tour) -> None:
    from . import Transcription, Translation, Voice

    section("Speech and transcription")
    client = tour.client
    speech = client.text_to_speech("The quick brown fox", Voice.NOVA, response_format="wav")
    show("speech bytes (wav)", len(speech))
    transcript = client.speech_to_text(
        speech,
        filename="speech.wav",
        response_format="verbose_json",
        timestamp_granularities=["word"],
    )
    translation = client.translate_audio(speech, filename="speech.wav")
    if isinstance(transcript, Transcription) and isinstance(translation, Translation):
        show("transcript", repr(transcript.text))
        show("words", [(w.word, round(w.start, 2)) for w in (transcript.words or [])][:4])
        show("translation", repr(translation.text))


def voice_agent(tour: Tour) -> None:
    section("Voice agent (speech -> chat -> speech, with history)")
    client = tour.client
    agent = client.create_voice_agent(
        "You are a concise assistant.", tts_options={"response_format": "wav"}
    )
    first = agent.process_text("Hello, who are you?")
    show("text turn", repr(clip(first.text_response, 44)))
    question = client.text_to_speech("What did I just ask?", response_format="wav")
    second = agent.process_audio(question)
    show("heard", repr(second.transcript))
    show("answered", repr(clip(second.text_response, 44)))
    show("audio reply bytes", len(second.audio_response))
    show("history messages", len(agent.get_messages()))


def errors(tour: Tour) -> None:
    from . import OpenAIError

    section("Errors are typed")
    try:
        tour.client.chat("Hi", model="no-such-model")
    except OpenAIError as exc:
        show("class", type(exc).__name__)
        show("status / code", f"{exc.status_code} / {exc.code}")
        show("message", clip(exc.message, 44))
        show("transient?", exc.is_transient_error)


def metrics(tour: Tour) -> None:
    section("Metrics")
    for request_type, stats in tour.client.metrics_summary()["by_type"].items():
        p50_ms = (stats["latency_p50"] or 0.0) * 1000
        show(
            request_type,
            f"{stats['count']} requests, p50 {p50_ms:.1f} ms, errors {stats['errors']}",
        )


Step = Tuple[str, Callable[[Tour], None]]


def steps() -> List[Step]:
    from . import _cli_demo_resilience as more

    return [
        ("chat", chat),
        ("streaming", stream),
        ("tools", tools),
        ("model facts", facts),
        ("embeddings", embeddings),
        ("moderation", moderation),
        ("images", images),
        ("audio", audio),
        ("voice agent", voice_agent),
        ("errors", errors),
        ("asyncio", more.asyncio_client),
        ("retries", more.retries),
        ("circuit breaker", more.breaker),
        ("queue", more.queue),
        ("statsd", more.statsd),
        ("metrics", metrics),
    ]


def run_demo(base_url: Optional[str], api_key: Optional[str], model: str) -> int:
    """Run every step; 0 when all worked, 1 otherwise (each failure is one line)."""
    from .errors import OpenAIError

    failures: List[str] = []
    with ExitStack() as stack:
        tour = Tour(stack, base_url, api_key, model)
        for name, body in steps():
            try:
                body(tour)
            except OpenAIError as exc:
                failures.append(name)
                print(f"  !! {name} failed: {type(exc).__name__}: {exc}")
    print()
    if failures:
        print(f"demo finished with failures in: {', '.join(failures)}")
        return 1
    print("demo finished: every step worked.")
    return 0
