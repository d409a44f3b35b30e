"""What both clients share: construction, every public call, and observability.

The calls are declared once here with ``call_op`` / ``stream_op``; a subclass
only decides which driver performs the effects (``OpenAI``: blocking,
``AsyncOpenAI``: asyncio) and how it is closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional, Union

from . import model_info
from ._config import ClientConfig, TimeoutArg, resolve_config
from ._core.admission import AdmissionState
from ._core.breaker import CircuitBreaker, CircuitBreakerProtocol
from ._core.context import ClientCore
from ._core.metrics import RequestMetrics, make_recorder
from ._drivers import AsyncDriver, SyncDriver
from ._gates import AsyncGate, ThreadGate
from ._ops import chat as chat_ops
from ._surface import call_op, lazy_module, stream_op
from .models.chat import ChatChunk
from .statsd_sink import make_statsd_sink
from .voice import agent_factory

# perf: every flow module but chat loads at the first use of one of its
# methods (audio/voice pull in multipart and the audio models); mypy sees the
# real modules.
if TYPE_CHECKING:
    from ._ops import audio as audio_ops
    from ._ops import embeddings as embedding_ops
    from ._ops import images as image_ops
    from ._ops import models as model_ops
    from ._ops import moderation as moderation_ops
    from ._ops import voice as voice_ops
else:
    audio_ops = lazy_module("openai_accel._ops.audio")
    embedding_ops = lazy_module("openai_accel._ops.embeddings")
    image_ops = lazy_module("openai_accel._ops.images")
    model_ops = lazy_module("openai_accel._ops.models")
    moderation_ops = lazy_module("openai_accel._ops.moderation")
    voice_ops = lazy_module("openai_accel._ops.voice")

__all__ = ["ClientBase"]


class ClientBase:
    _ctx: ClientCore
    _driver: Union[SyncDriver, AsyncDriver]

    def __init__(
        self,
        resources: Optional[Mapping[str, Any]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        *,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        organization: Optional[str] = None,
        project: Optional[str] = None,
        timeout: TimeoutArg = 600.0,
        max_retries: int = 5,
        initial_retry_delay: float = 1.0,
        backoff_factor: float = 2.0,
        max_retry_delay: float = 60.0,
        retry_jitter: bool = True,
        on_retry: Optional[Callable[..., None]] = None,
        max_concurrent_requests: int = 10,
        queue_size: int = 100,
        queue_timeout: Optional[float] = None,
        circuit_breaker: Union[bool, CircuitBreakerProtocol, None] = None,
        request_tracking: bool = True,
        metrics_retention: float = 3600.0,
        metrics_max_entries: int = 10_000,
        metrics_prefix: str = "openai_",
        statsd: Any = None,
        transport: Any = None,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        config = resolve_config(
            resources=resources,
            metadata=metadata,
            api_key=api_key,
            base_url=base_url,
            organization=organization,
            project=project,
            timeout=timeout,
            max_retries=max_retries,
            initial_retry_delay=initial_retry_delay,
            backoff_factor=backoff_factor,
            max_retry_delay=max_retry_delay,
            jitter=retry_jitter,
            max_concurrent_requests=max_concurrent_requests,
            queue_size=queue_size,
            queue_timeout=queue_timeout,
            request_tracking=request_tracking,
            metrics_retention=metrics_retention,
            metrics_prefix=metrics_prefix,
            default_headers=default_headers,
            on_retry=on_retry,
        )
        breaker: Optional[CircuitBreakerProtocol]
        if circuit_breaker is None or circuit_breaker is True:
            breaker = CircuitBreaker()
        elif circuit_breaker is False:
            breaker = None
        else:
            breaker = circuit_breaker
        sink = make_statsd_sink(statsd, metrics_prefix)
        recorder = make_recorder(
            request_tracking,
            metrics_retention,
            [sink] if sink is not None else [],
            max_entries=metrics_max_entries,
        )
        admission = AdmissionState(max_concurrent_requests, queue_size)
        self._ctx = ClientCore(config, breaker, recorder, admission)
        self._setup_driver(transport)

    def _setup_driver(self, transport: Any) -> None:
        raise NotImplementedError

    # -- calls (one definition for both clients) ---------------------------
    chat = call_op(chat_ops.chat)
    stream_chat = stream_op(chat_ops.stream_chat, ChatChunk)
    chat_with_functions = call_op(chat_ops.chat_with_functions)
    embedding = call_op(embedding_ops.embedding)
    moderation = call_op(moderation_ops.moderation)
    text_to_image = call_op(image_ops.text_to_image)
    get_image_bytes = call_op(image_ops.get_image_bytes)
    text_to_speech = call_op(audio_ops.text_to_speech)
    stream_speech = stream_op(audio_ops.stream_speech, bytes)
    speech_to_file = call_op(audio_ops.speech_to_file)
    speech_to_text = call_op(audio_ops.speech_to_text)
    translate_audio = call_op(audio_ops.translate_audio)
    create_voice_agent = agent_factory(voice_ops.create_voice_agent)
    list_models = call_op(model_ops.list_models)

    # -- model facts --------------------------------------------------------
    @staticmethod
    def get_model_max_tokens(model: str) -> int:
        """The model's context window in tokens (a documented default for unknown models)."""
        return model_info.get_model_max_tokens(model)

    @staticmethod
    def supports_vision(model: str) -> bool:
        """Whether the model accepts image inputs (False for unknown models)."""
        return model_info.supports_vision(model)

    # -- observability ------------------------------------------------------
    @property
    def config(self) -> ClientConfig:
        return self._ctx.config

    @property
    def circuit_breaker(self) -> Optional[CircuitBreakerProtocol]:
        return self._ctx.breaker

    @property
    def queue(self) -> Union[ThreadGate, AsyncGate]:
        """The request queue: ``running`` and ``waiting`` counts, and its limits."""
        return self._driver.gate

    @property
    def recent_requests(self) -> Mapping[str, RequestMetrics]:
        """Request id -> metrics of recent requests (read-only snapshot)."""
        return self._ctx.recorder.recent_requests

    def metrics_summary(self) -> Dict[str, Any]:
        """Counts, error rate, latency percentiles and tokens per request type and model."""
        return self._ctx.recorder.summary()

    def __repr__(self) -> str:
        config = self._ctx.config
        return (
            f"{type(self).__name__}(base_url={config.base_url!r}, "
            f"max_retries={config.retry.max_retries}, "
            f"max_concurrent_requests={config.max_concurrent_requests})"
        )
