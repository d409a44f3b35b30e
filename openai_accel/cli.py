"""``openai-accel``: the demo, the emulator, and a one-shot chat.

``openai-accel demo`` starts the emulator in-process (no key, no network) and
walks through what the library does. With ``--base-url`` (and a key in
``OPENAI_API_KEY``) the same walk-through runs against a real server.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import ExitStack
from typing import Any, Callable, List, Optional, Sequence

from . import __version__
from ._cli_batch import add_parser as add_batch_parser  # files and batch jobs (issue 10)
from ._cli_batch import run as run_batch_command

__all__ = ["main"]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 66 - len(title)))


def _show(label: str, value: Any) -> None:
    print(f"  {label:<26} {value}")


def _get_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
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


def _step(name: str, body: Callable[[], None], failures: List[str]) -> None:
    """Run one part of the walk-through; a failure is reported and the rest goes on."""
    from .errors import OpenAIError

    try:
        body()
    except OpenAIError as exc:
        failures.append(name)
        print(f"  !! {name} failed: {type(exc).__name__}: {exc}")


def run_demo(base_url: Optional[str], api_key: Optional[str], model: str) -> int:
    from . import OpenAI, OpenAIError, Transcription, Translation, Voice
    from .testing import Emulator

    failures: List[str] = []
    with ExitStack() as stack:
        if base_url is None:
            emulator = stack.enter_context(Emulator())
            base_url, api_key = emulator.base_url, api_key or "sk-demo"
            print(f"openai-accel {__version__}: emulator listening on {base_url} (offline)")
        else:
            print(f"openai-accel {__version__}: talking to {base_url}")
        client = stack.enter_context(
            OpenAI(api_key=api_key, base_url=base_url, max_retries=3, initial_retry_delay=0.2)
        )

        def chat() -> None:
            _section("Chat completion")
            reply = client.chat([{"role": "user", "content": "Say hello in one word"}], model=model)
            _show("answer", repr(reply.content))
            _show("model / finish", f"{reply.model} / {reply.finish_reason}")
            _show(
                "tokens in / out",
                f"{reply.usage.prompt_tokens} / {reply.usage.completion_tokens}"
                if reply.usage
                else "-",
            )
            _show("request id", reply.request_id)

        def stream() -> None:
            _section("Streaming")
            print("  ", end="")
            with client.stream_chat("Count from one to five", model=model) as chunks:
                for chunk in chunks:
                    print(chunk.content or "", end="", flush=True)
            final = chunks.final()
            print()
            _show("assembled", repr(final.content))
            _show("usage (from last chunk)", final.usage.total_tokens if final.usage else "-")

        def tools() -> None:
            _section("Tool calling: tools of one round run in parallel")
            started = time.monotonic()
            reply = client.chat_with_functions(
                "What's the weather and the time in Paris?",
                {"get_weather": _get_weather, "get_time": _get_time},
                model=model,
            )
            for message in reply.messages or []:
                if message["role"] == "tool":
                    _show(f"tool {message['tool_call_id'][:14]}", message["content"][:60])
            _show("answer", repr((reply.content or "")[:100]))
            _show("rounds / seconds", f"{reply.rounds} / {time.monotonic() - started:.2f}")

        def facts() -> None:
            _section("Model facts")
            for name in (
                "gpt-4o",
                "gpt-4o-mini-2024-07-18",
                "gpt-4",
                "gpt-3.5-turbo",
                "some-new-model",
            ):
                tokens, vision = client.get_model_max_tokens(name), client.supports_vision(name)
                _show(name, f"{tokens:>7} tokens, vision={vision}")

        def embeddings() -> None:
            _section("Embeddings")
            vectors = client.embedding(["first text", "second text"])
            _show("vectors x dimensions", f"{len(vectors)} x {len(vectors[0])}")
            _show("first values", [round(v, 4) for v in vectors[0][:4]])

        def moderation() -> None:
            _section("Moderation")
            result = client.moderation(["have a nice day", "I will kill you"])
            for text, item in zip(["have a nice day", "I will kill you"], result.results):
                flagged = [name for name, hit in item.categories.items() if hit]
                _show(repr(text), f"flagged={item.flagged} {flagged}")

        def images() -> None:
            _section("Image generation")
            image = client.text_to_image("a lighthouse at dawn", size="1024x1024")
            data = client.get_image_bytes(image.data[0])
            _show("revised prompt", repr(image.data[0].revised_prompt))
            is_png = data.startswith(_PNG_SIGNATURE)
            _show("image bytes", f"{len(data)} (PNG: {is_png})")

        def audio() -> None:
            _section("Speech and transcription")
            speech = client.text_to_speech("The quick brown fox", Voice.NOVA, response_format="wav")
            _show("speech bytes (wav)", len(speech))
            transcript = client.speech_to_text(
                speech,
                filename="speech.wav",
                response_format="verbose_json",
                timestamp_granularities=["word"],
            )
            translation = client.translate_audio(speech, filename="speech.wav")
            if isinstance(transcript, Transcription) and isinstance(translation, Translation):
                _show("transcript", repr(transcript.text))
                words = [(w.word, round(w.start, 2)) for w in (transcript.words or [])]
                _show("words", words[:4])
                _show("translation", repr(translation.text))

        def voice_agent() -> None:
            _section("Voice agent (speech -> chat -> speech, with history)")
            agent = client.create_voice_agent(
                "You are a concise assistant.", tts_options={"response_format": "wav"}
            )
            first = agent.process_text("Hello, who are you?")
            _show("text turn", repr(first.text_response[:70]))
            question = client.text_to_speech("What did I just ask?", response_format="wav")
            second = agent.process_audio(question)
            _show("heard", repr(second.transcript))
            _show("answered", repr(second.text_response[:70]))
            _show("audio reply bytes", len(second.audio_response))
            _show("history messages", len(agent.get_messages()))

        def errors() -> None:
            _section("Errors are typed")
            try:
                client.chat("Hi", model="no-such-model")
            except OpenAIError as exc:
                _show("class", type(exc).__name__)
                _show("status / code", f"{exc.status_code} / {exc.code}")
                _show("message", exc.message[:70])
                _show("transient?", exc.is_transient_error)

        def metrics() -> None:
            _section("Metrics")
            summary = client.metrics_summary()
            for request_type, stats in summary["by_type"].items():
                p50_ms = (stats["latency_p50"] or 0.0) * 1000
                _show(
                    request_type,
                    f"{stats['count']} requests, p50 {p50_ms:.1f} ms, errors {stats['errors']}",
                )

        for name, body in [
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
            ("metrics", metrics),
        ]:
            _step(name, body, failures)
    print()
    if failures:
        print(f"demo finished with failures in: {', '.join(failures)}")
        return 1
    print("demo finished: every step worked.")
    return 0


def run_emulator(args: argparse.Namespace) -> int:
    from .testing import parse_fault_spec, run_forever

    faults = [parse_fault_spec(spec) for spec in args.fault]
    run_forever(args.host, args.port, api_key=args.api_key, faults=faults)
    return 0


def run_chat(args: argparse.Namespace) -> int:
    from . import OpenAI, OpenAIError

    try:
        with OpenAI(base_url=args.base_url) as client:
            if args.stream:
                with client.stream_chat(args.prompt, model=args.model) as chunks:
                    for chunk in chunks:
                        print(chunk.content or "", end="", flush=True)
                print()
            else:
                print(client.chat(args.prompt, model=args.model).content)
    except OpenAIError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openai-accel", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"openai-accel {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="walk through the library against the embedded emulator"
    )
    demo.add_argument("--base-url", default=None, help="use a real server instead of the emulator")
    demo.add_argument("--model", default="gpt-4o-mini")

    emulator = commands.add_parser("emulator", help="run the OpenAI emulator until Ctrl-C")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8765)
    emulator.add_argument("--api-key", default=None, help="require this key (401 otherwise)")
    emulator.add_argument(
        "--fault",
        action="append",
        default=[],
        help="inject a fault, e.g. 'status=503,count=3' or 'status=429,retry_after=2' (repeatable)",
    )

    chat = commands.add_parser("chat", help="send one prompt (OPENAI_API_KEY, OPENAI_BASE_URL)")
    chat.add_argument("prompt")
    chat.add_argument("--model", default="gpt-4o-mini")
    chat.add_argument("--base-url", default=None)
    chat.add_argument("--stream", action="store_true")
    add_batch_parser(commands)  # files and batch jobs (issue 10)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return run_demo(args.base_url, os.environ.get("OPENAI_API_KEY"), args.model)
    if args.command == "emulator":
        return run_emulator(args)
    if args.command == "batch":  # files and batch jobs (issue 10)
        return run_batch_command(args)
    return run_chat(args)


if __name__ == "__main__":
    sys.exit(main())
