"""What both clients share: construction, every public call, and observability.

The calls are declared once here with ``call_op`` / ``stream_op``; a subclass
only decides which driver performs the effects (``OpenAI``: blocking,
``AsyncOpenAI``: asyncio) and how it is closed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, TypeVar, Union

from . import _sdk_shape as sdk_shape
from ._budgets import budget_snapshot, make_budget_guard
from ._config import ClientConfig, TimeoutArg, resolve_config
from ._core.admission import AdmissionState
from ._core.breaker import CircuitBreaker, CircuitBreakerProtocol
from ._core.budget import BudgetView
from ._core.context import ClientCore
from ._core.metrics import RequestMetrics, make_recorder
from ._core.network import ProxyArg
from ._core.rate_config import RateLimitsArg
from ._core.target import RequestTarget
from ._core.token_estimate import TokenCounter
from ._drivers import AsyncDriver, SyncDriver
from ._gates import AsyncGate, ThreadGate
from ._ops import chat as chat_ops

# perf: the flow modules are lazy handles (see _ops/lazy.py).
from ._ops.lazy import (
    audio_ops,
    batch_ops,
    batch_run_ops,
    embedding_ops,
    file_ops,
    image_ops,
    model_ops,
    moderation_ops,
    raw_ops,
    response_ops,
    voice_ops,
)
from ._surface import call_op, stream_op
from .models.chat import ChatChunk
from .voice import agent_factory

if TYPE_CHECKING:
    from .models.batch import Batch
    from .models.files import FileObject
    from .models.responses import ResponseEvent
    from .models.transcription_stream import TranscriptionEvent
else:
    # perf: a stream's item type only types the method (for mypy, and by name for
    # the reference docs, which read ``stream_op._item.__name__``); the reply
    # models themselves load with their endpoints' flows. Named stand-ins, so
    # the docs still say ``Stream[FileObject, ...]``.
    Batch, FileObject, ResponseEvent, TranscriptionEvent = (
        type(name, (), {"__module__": __name__})
        for name in ("Batch", "FileObject", "ResponseEvent", "TranscriptionEvent")
    )

__all__ = ["ClientBase"]

_Client = TypeVar("_Client", bound="ClientBase")


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
        max_concurrent_requests: int = 64,
        queue_size: int = 10_000,
        queue_timeout: Optional[float] = None,
        circuit_breaker: Union[bool, CircuitBreakerProtocol, None] = None,
        request_tracking: bool = True,
        metrics_retention: float = 3600.0,
        metrics_max_entries: int = 10_000,
        metrics_prefix: str = "openai_",
        statsd: Any = None,
        transport: Any = None,
        default_headers: Optional[Mapping[str, str]] = None,
        telemetry: Optional[str] = None,
        proxy: ProxyArg = None,
        ca_bundle: Optional[str] = None,
        rate_limits: RateLimitsArg = "auto",
        token_counter: Optional[TokenCounter] = None,
        rate_limit_timeout: Optional[float] = None,
        shared_state: Any = None,
    ) -> None:
        """Settings are checked here, once; a bad one raises ``TypeError``/``ValueError``.

        Queue defaults (edges): ``max_concurrent_requests=64`` requests in flight
        and ``queue_size=10_000`` waiting. A program that gathers a thousand
        calls must just work; 64 in flight keeps one client's connection pool
        and file descriptors modest and stays under the per-key concurrency at
        which the API starts answering 429 for most tiers, while the waiting
        room is only a list of parked tasks or threads (a few hundred bytes
        each). Set ``queue_size`` lower to get ``QueueFullError`` as
        back-pressure instead.

        Network (edges): ``proxy=None`` honours ``HTTPS_PROXY``/``HTTP_PROXY``/
        ``ALL_PROXY``/``NO_PROXY`` (either case), read once now; ``proxy=False``
        never uses a proxy whatever the environment says; ``proxy="http://host:port"``
        sends every request through that proxy. ``ca_bundle=None`` honours
        ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``/``SSL_CERT_FILE``; a path
        replaces the default CA store. ``timeout`` is one number of seconds, a
        ``(connect, read)`` pair or ``None`` for no limit; 0, negative, NaN,
        infinite or non-numbers are refused.
        """
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
            proxy=proxy,
            ca_bundle=ca_bundle,
        )
        breaker: Optional[CircuitBreakerProtocol]
        if circuit_breaker is None or circuit_breaker is True:
            breaker = CircuitBreaker()
        elif circuit_breaker is False:
            breaker = None
        else:
            breaker = circuit_breaker
        sinks: List[Any] = []
        # (the variable is statsd_sink.ENV_VAR, read again there)
        if statsd is not None or os.environ.get("OPENAI_ACCEL_STATSD", "").strip():
            from .statsd_sink import make_statsd_sink  # perf: loaded only with a StatsD sink

            sink = make_statsd_sink(statsd, metrics_prefix)
            sinks += [sink] if sink is not None else []
        if telemetry is not None:
            from .otel import telemetry_sinks  # perf: loaded only with telemetry=

            sinks += telemetry_sinks(telemetry, config.base_url)  # obs: telemetry="otel"
        recorder = make_recorder(
            request_tracking,
            metrics_retention,
            sinks,
            max_entries=metrics_max_entries,
        )
        admission = AdmissionState(max_concurrent_requests, queue_size)
        budget = make_budget_guard(  # rate budgets: checked here, before any driver exists
            rate_limits,
            token_counter=token_counter,
            timeout=rate_limit_timeout,
            shared_state=shared_state,
            config=config,
            breaker=breaker,
            is_async=self._is_async_client,
        )
        self._ctx = ClientCore(
            config,
            breaker,
            recorder,
            admission,
            target=self._request_target(config),
            budget=budget,
        )
        self._setup_driver(transport)

    _is_async_client = False

    def _setup_driver(self, transport: Any) -> None:
        raise NotImplementedError

    def _request_target(self, config: ClientConfig) -> Optional[RequestTarget]:
        """Where requests go and how they authenticate; None: OpenAI's (Azure overrides it)."""
        return None

    # -- calls (one definition for both clients) ---------------------------
    chat = sdk_shape.callable_namespace("chat", call_op(chat_ops.chat))  # + chat.completions
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
    # sdk branch: any endpoint through the same pipeline
    request = call_op(raw_ops.request)

    # -- the official SDK's shape (sdk branch; rows in _sdk_shape.SDK_ROWS) ---
    embeddings = sdk_shape.namespace("embeddings")
    moderations = sdk_shape.namespace("moderations")
    images = sdk_shape.namespace("images")
    audio = sdk_shape.namespace("audio")
    models = sdk_shape.namespace("models")
    responses = sdk_shape.namespace("responses")
    files = sdk_shape.namespace("files")
    batches = sdk_shape.namespace("batches")

    def with_options(self: _Client, **options: Any) -> _Client:
        """A client with other settings sharing this one's pool, queue, breaker and metrics.

        Accepts ``api_key``, ``organization``, ``project``, ``base_url``,
        ``timeout``, the retry settings, ``on_retry``, ``default_headers``
        (merged) and ``queue_timeout``; anything else is a ``TypeError``.
        Closing either client closes the shared pool.
        """
        return self._copy_with(options)

    copy = with_options

    def _copy_with(self: _Client, options: Mapping[str, Any]) -> _Client:
        from . import _client_copy as client_copy  # perf: loaded by the first copy

        client_copy.check_options(options)
        return client_copy.copy_client(self, options)

    # files and batch jobs (issue 10)
    upload_file = call_op(file_ops.upload_file)
    retrieve_file = call_op(file_ops.retrieve_file)
    list_files = stream_op(file_ops.list_files, FileObject)
    delete_file = call_op(file_ops.delete_file)
    download_file = call_op(file_ops.download_file)
    create_batch = call_op(batch_ops.create_batch)
    retrieve_batch = call_op(batch_ops.retrieve_batch)
    cancel_batch = call_op(batch_ops.cancel_batch)
    list_batches = stream_op(batch_ops.list_batches, Batch)
    run_batch = call_op(batch_run_ops.run_batch)
    resume_batch = call_op(batch_run_ops.resume_batch)

    # -- Responses API (responses) --
    respond = call_op(response_ops.respond)
    stream_response = stream_op(response_ops.stream_response, ResponseEvent)
    respond_with_functions = call_op(response_ops.respond_with_functions)
    stream_transcription = stream_op(audio_ops.stream_transcription, TranscriptionEvent)

    # -- model facts --------------------------------------------------------
    @staticmethod
    def get_model_max_tokens(model: str) -> int:
        """The model's context window in tokens (a documented default for unknown models)."""
        from . import model_info  # perf: the model table loads on first use

        return model_info.get_model_max_tokens(model)

    @staticmethod
    def supports_vision(model: str) -> bool:
        """Whether the model accepts image inputs (False for unknown models)."""
        from . import model_info

        return model_info.supports_vision(model)

    # -- observability ------------------------------------------------------
    @property
    def config(self) -> ClientConfig:
        return self._ctx.config

    @property
    def circuit_breaker(self) -> Optional[CircuitBreakerProtocol]:
        return self._ctx.breaker

    @property
    def rate_limits(self) -> Mapping[str, BudgetView]:
        """Per model family: the learned or configured limits, what remains, the next reset."""
        return budget_snapshot(self._ctx.budget)

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
