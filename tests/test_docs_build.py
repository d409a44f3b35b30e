"""The docs build with -W and the API reference shows every call's signature."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

import openai_accel

pytest.importorskip("sphinx", reason="building the docs needs sphinx (the docs or test extra)")
pytest.importorskip("myst_parser", reason="building the docs needs myst-parser")
pytest.importorskip("furo", reason="building the docs needs the furo theme")

DOCS = Path(__file__).resolve().parents[1] / "docs"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("html")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(DOCS), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


def page_text(built: Path, name: str) -> str:
    """The page's visible text, one space between words (signatures wrap in the HTML)."""
    markup = (built / name).read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", markup)))


@pytest.mark.parametrize("client", ["OpenAI", "AsyncOpenAI"])
def test_the_reference_shows_each_clients_call_signatures(built, client):
    markup = (built / "api.html").read_text(encoding="utf-8")
    for method in ("chat", "stream_chat", "embedding", "text_to_speech", "speech_to_text"):
        assert f'id="openai_accel.{client}.{method}"' in markup, method
    text = page_text(built, "api.html")
    assert "chat(messages: Messages, *, model: str = 'gpt-4o-mini'," in text
    assert "embedding(text_or_texts: EmbeddingInput, *, model: str" in text


def test_the_reference_has_no_stray_type_fields(built):
    assert "Type:" not in page_text(built, "api.html")


def test_the_reference_lists_enum_members_errors_results_and_testing(built):
    markup = (built / "api.html").read_text(encoding="utf-8")
    for anchor in (
        "openai_accel.types.Voice.NOVA",
        "openai_accel.BreakerState.HALF_OPEN",
        "openai_accel.errors.RateLimitError",
        "openai_accel.models.ChatResponse",
        "openai_accel.testing.Emulator",
        "openai_accel.otel.instrument",
    ):
        assert f'id="{anchor}"' in markup, anchor


def test_every_page_footer_shows_the_version(built):
    assert f"version {openai_accel.__version__}" in page_text(built, "index.html")
    assert f"version {openai_accel.__version__}" in page_text(built, "architecture.html")


def signature(built: Path, anchor: str) -> str:
    """The visible signature line of the object with this id (up to its permalink mark)."""
    markup = (built / "api.html").read_text(encoding="utf-8")
    start = markup.index(f'id="{anchor}"')
    line = markup[start : markup.index("</dt>", start)]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", line.split(">", 1)[1])))


@pytest.mark.parametrize(
    "anchor, returns",
    [
        ("openai_accel.OpenAI.chat", "→ ChatResponse"),
        ("openai_accel.AsyncOpenAI.chat", "→ Awaitable[ChatResponse]"),
        ("openai_accel.OpenAI.stream_chat", "→ Stream[ChatChunk, ChatResponse]"),
        ("openai_accel.AsyncOpenAI.stream_chat", "→ AsyncStream[ChatChunk, ChatResponse]"),
    ],
)
def test_the_reference_shows_what_each_client_returns(built, anchor, returns):
    assert signature(built, anchor).rstrip("¶ ").endswith(returns)
