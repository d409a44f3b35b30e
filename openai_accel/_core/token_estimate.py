"""How many tokens a request will be charged before it is sent (its budget reservation).

OpenAI counts a request against the tokens-per-minute limit when it arrives:
the prompt's tokens plus ``n`` times the output cap (``max_tokens``,
``max_completion_tokens`` or ``max_output_tokens``). The client must reserve
the same amount before sending, then correct it from ``usage`` afterwards.

The input estimate, in order of preference:

1. ``token_counter(text, model) -> int`` when the user gives one;
2. tiktoken, when it is installed **and** its encoding files are already in
   its local cache (it is never allowed to download at run time);
3. the documented heuristic: one token per 4 characters of text (of all the
   messages' text together, rounded up), plus 4 tokens of framing per chat
   message and 3 for the reply's priming.
   English prose averages ~4 characters per token with OpenAI's encodings;
   the error is corrected by ``usage`` after each reply.

Without an output cap, :data:`DEFAULT_OUTPUT_TOKENS` is reserved per choice.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator, List, Mapping, Optional

__all__ = ["DEFAULT_OUTPUT_TOKENS", "TokenCounter", "estimate_tokens", "heuristic_count"]

TokenCounter = Callable[[str, Optional[str]], int]

#: Reserved per choice when a chat call sets no output cap (corrected by usage).
DEFAULT_OUTPUT_TOKENS = 512
CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD = 4
REPLY_PRIMING = 3
_OUTPUT_CAPS = ("max_completion_tokens", "max_tokens", "max_output_tokens")
#: Body keys that cannot change a chat's estimate (anything else takes the general path).
_PLAIN_CHAT_KEYS = frozenset(
    [
        "model",
        "messages",
        "temperature",
        "top_p",
        "stream",
        "stream_options",
        "user",
        "seed",
        "stop",
        "presence_penalty",
        "frequency_penalty",
        "response_format",
        "metadata",
        "store",
    ]
)
_TIKTOKEN_URL = "https://openaipublic.blob.core.windows.net/encodings/{}.tiktoken"


def heuristic_count(text: str, model: Optional[str] = None) -> int:
    """ceil(len(text) / 4): the documented fallback."""
    return -(-len(text) // CHARS_PER_TOKEN)


def _tiktoken_cache_dir() -> str:
    import tempfile  # with hashlib below: only when tiktoken is installed (first use)

    env = os.environ
    if "TIKTOKEN_CACHE_DIR" in env:
        return env["TIKTOKEN_CACHE_DIR"]
    if "DATA_GYM_CACHE_DIR" in env:
        return env["DATA_GYM_CACHE_DIR"]
    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def _encoding_cached(name: str) -> bool:
    """tiktoken names a cached file by the SHA-1 of its download URL."""
    import hashlib

    key = hashlib.sha1(_TIKTOKEN_URL.format(name).encode()).hexdigest()
    return os.path.isfile(os.path.join(_tiktoken_cache_dir(), key))


def offline_tiktoken_counter(encoding: str = "o200k_base") -> Optional[TokenCounter]:
    """A tiktoken counter if tiktoken is installed and ``encoding`` is cached; else None."""
    try:
        import tiktoken  # type: ignore[import-not-found]
    except ImportError:
        return None
    if not _encoding_cached(encoding):
        return None
    try:
        enc = tiktoken.get_encoding(encoding)
    except Exception:  # a corrupt cache must not break the client
        return None

    def count(text: str, model: Optional[str] = None) -> int:
        return len(enc.encode(text, disallowed_special=()))

    return count


def _texts(value: Any) -> Iterator[str]:
    """Every string inside a message content / input (text parts; images are not text)."""
    kind = type(value)  # exact types first: ABC isinstance checks are slow on the hot path
    if kind is str:
        yield value
    elif kind is list or kind is tuple:
        for item in value:
            yield from _texts(item)
    elif kind is dict or isinstance(value, Mapping):
        for key in ("text", "content", "input_text", "arguments", "name"):
            inner = value.get(key)
            if inner is not None:
                yield from _texts(inner)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def _token_ids(value: Any) -> int:
    """Embeddings may be given token ids (a list of ints, or a list of such lists)."""
    if isinstance(value, list):
        return sum(
            1 if isinstance(v, int) and not isinstance(v, bool) else _token_ids(v) for v in value
        )
    return 0


def _count_all(texts: Iterable[str], counter: TokenCounter, model: Optional[str]) -> int:
    return sum(int(counter(text, model)) for text in texts)


def _is_count(value: Any) -> bool:
    """An int subclass other than bool (the fast paths check ``type(v) is int`` first)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _output_cap(body: Mapping[str, Any]) -> Optional[int]:
    for name in _OUTPUT_CAPS:
        value = body.get(name)
        if value is not None and (type(value) is int or _is_count(value)) and value >= 0:
            return int(value)
    return None


def _chat_prompt(messages: List[Any], counter: Optional[TokenCounter], model: Optional[str]) -> int:
    prompt = REPLY_PRIMING + MESSAGE_OVERHEAD * len(messages)
    if counter is not None:
        return prompt + _count_all(_texts(messages), counter, model)
    chars = 0
    for message in messages:  # the common shape, without the generic walk
        content = message.get("content") if type(message) is dict else None
        if type(content) is str and len(message) <= 2:
            chars += len(content)
        else:
            chars += sum(len(text) for text in _texts(message))
    return prompt + -(-chars // CHARS_PER_TOKEN)


def estimate_tokens(
    body: Optional[Mapping[str, Any]], counter: Optional[TokenCounter] = None
) -> int:
    """The tokens a JSON request body will be charged (0 for bodies without text)."""
    if not body:
        return 0
    messages = body.get("messages")
    if counter is None and type(messages) is list and _PLAIN_CHAT_KEYS.issuperset(body):
        # perf: the usual chat (plain-text messages, no tools, n or cap), in one pass;
        # the same arithmetic as the general path below.
        chars = 0
        for message in messages:
            content = message.get("content") if type(message) is dict else None
            if type(content) is not str or len(message) > 2:
                break
            chars += len(content)
        else:
            return (
                REPLY_PRIMING
                + MESSAGE_OVERHEAD * len(messages)
                + -(-chars // CHARS_PER_TOKEN)
                + DEFAULT_OUTPUT_TOKENS
            )
    count = counter or heuristic_count
    model = body.get("model")
    if type(model) is not str:
        model = None
    if type(messages) is list or isinstance(messages, list):  # chat
        prompt = _chat_prompt(messages, counter, model)
        if body.get("tools"):
            prompt += _count_all([repr(body["tools"])], count, model)
        raw_n = body.get("n")
        n = 1 if raw_n is None or not (type(raw_n) is int or _is_count(raw_n)) else raw_n
        cap = _output_cap(body)
        return prompt + (n if n > 1 else 1) * (DEFAULT_OUTPUT_TOKENS if cap is None else cap)
    if "input" in body:  # embeddings, moderations, responses
        prompt = _count_all(_texts(body["input"]), count, model) + _token_ids(body["input"])
        cap = _output_cap(body)
        return prompt + (cap or 0)
    if isinstance(body.get("prompt"), str):  # images, legacy completions
        return _count_all([body["prompt"]], count, model) + (_output_cap(body) or 0)
    return 0
