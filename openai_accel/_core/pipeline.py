"""The one request pipeline both clients run.

breaker check -> [take a queue slot -> send -> give the slot back -> decide ->
sleep]* -> breaker verdict -> metrics. Written once as generators that yield
effects, so retries, the breaker, admission and metrics behave identically in
the blocking and the asyncio client. A queue slot is held per attempt and
released while sleeping between retries; a stream keeps its slot until the
stream ends or is closed (``Exchange.close``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Protocol, TypeVar

import attrs

from ..errors import APIConnectionError, OpenAIError, StreamError, error_from_response
from .breaker import CircuitBreakerProtocol, counts_as_failure
from .budget_flow import Ticket
from .effects import Acquire, Flow, Send, Slot, read_all, read_chunk, sleep
from .http import HttpRequest, HttpResponse
from .log import attempt_started, log_attempt, log_retry
from .metrics import MetricsRecorder, RequestMetrics, note_reply
from .request import ApiCall, body_size
from .response import decode_json
from .retry import RetrySettings, decide

__all__ = ["CoreContext", "Exchange", "call_json", "call_raw", "open_exchange"]

T = TypeVar("T")
#: The usual queue request (no per-call timeout): effects are immutable values,
#: so one serves every call (perf: an allocation fewer per attempt).
_ACQUIRE = Acquire(None)


class CoreContext(Protocol):
    """What a flow needs from its client: settings and the shared, sans-I/O state."""

    @property
    def retry(self) -> RetrySettings: ...

    @property
    def breaker(self) -> Optional[CircuitBreakerProtocol]: ...

    @property
    def recorder(self) -> MetricsRecorder: ...

    @property
    def on_retry(self) -> Optional[Callable[..., None]]: ...

    def authorize(self) -> Flow[None]: ...

    def build(self, call: ApiCall) -> HttpRequest: ...

    def publish_gauges(self) -> None:
        """After a record is finished: queue and breaker gauges to the recorder's sinks."""


@attrs.define
class Exchange:
    """A successful reply (2xx), with what is needed to finish its bookkeeping."""

    response: HttpResponse
    metrics: RequestMetrics
    attempts: int
    slot: Optional[Slot] = None
    #: The rate budget's reservation for the attempt that succeeded (rate budgets).
    ticket: Optional[Any] = None

    @property
    def request_id(self) -> Optional[str]:
        return self.response.headers.get("x-request-id")

    def close(self) -> None:
        """Give back the connection and the queue slot of a streamed reply (idempotent)."""
        stream = self.response.stream
        if stream is not None:
            stream.close()
        if self.slot is not None:
            self.slot.release()
            self.slot = None


def _breaker_verdict(
    breaker: Optional[CircuitBreakerProtocol], error: Optional[BaseException]
) -> None:
    if breaker is None:
        return
    if error is None:
        breaker.on_success()
        return
    verdict = counts_as_failure(error)
    if verdict:
        breaker.on_failure(error)
    else:
        breaker.on_ignored()


def _notify_retry(
    ctx: CoreContext, call: ApiCall, attempt: int, delay: float, error: OpenAIError
) -> None:
    log_retry(call.endpoint.name, attempt, delay, error)
    if ctx.on_retry is not None:
        ctx.on_retry(attempt=attempt, delay=delay, error=error, endpoint=call.endpoint.name)


def _refusal(response: HttpResponse, slot: Slot) -> Flow[OpenAIError]:
    """A reply of 400 or more as its typed error: its body read (a streamed one too), slot freed."""
    try:
        body = response.content
        if response.stream is not None:
            try:
                body = yield from read_all(response.stream)
            finally:
                response.stream.close()
    except APIConnectionError:
        body = b""
    finally:
        slot.release()
    return error_from_response(response.status, response.headers, body)


def open_exchange(ctx: CoreContext, call: ApiCall) -> Flow[Exchange]:
    """Run the pipeline up to a 2xx reply. On failure: metrics recorded, typed error raised.

    On success the caller owns the Exchange and must finish its metrics
    (``finish_ok`` / ``finish_error``) and, for streams, close it.
    """
    recorder = ctx.recorder
    breaker = ctx.breaker if call.endpoint.authenticated else None
    guard = getattr(ctx, "budget", None) if call.endpoint.authenticated else None
    settings = ctx.retry
    if call.options.retry_overrides:
        settings = settings.with_overrides(**call.options.retry_overrides)
    metrics = recorder.start(call.endpoint.request_type, call.model)
    metrics_on = getattr(recorder, "enabled", True)
    queue_timeout = call.options.queue_timeout
    attempt = 0
    retry_delay = 0.0
    breaker_engaged = False
    try:
        if call.endpoint.authenticated:
            yield from ctx.authorize()  # sdk branch: a token provider may need calling
        request = ctx.build(call)
        if metrics_on:
            metrics.request_size = body_size(request)
        if breaker is not None:
            breaker.before_call()
            breaker_engaged = True
        while True:
            attempt += 1
            # With a budget, the retry's backoff and the budget's wait are one Sleep.
            ticket = None
            if guard is not None:
                ticket = guard.take(call, retry_delay)
                if type(ticket) is not Ticket:  # it must wait first (or ask the fleet)
                    ticket = yield from ticket
            log_mark = attempt_started()
            # One attempt, written out (perf: no generator per call): a queue slot, a
            # send, and either a reply below 400 (slot still held) or an error to judge;
            # anything that is not the server's or the network's fault (a full queue, a
            # cancellation) is raised.
            try:
                slot: Any = yield (_ACQUIRE if queue_timeout is None else Acquire(queue_timeout))
                if ticket is not None and ticket.provisional:  # the limits were learnt meanwhile
                    yield from ticket.guard.recheck(ticket)
            except BaseException:  # never sent: the budget's reservation goes back
                if ticket is not None:
                    ticket.guard.give_back(ticket)
                raise
            error: Optional[OpenAIError] = None
            try:
                response: Optional[HttpResponse] = yield Send(request)
            except APIConnectionError as exc:
                slot.release()
                response, error = None, exc
            except BaseException:
                slot.release()
                if ticket is not None:
                    ticket.guard.abandon(ticket)
                raise
            if response is not None and response.status >= 400:
                error = yield from _refusal(response, slot)
                response = None
            log_attempt(log_mark, request, attempt, response, error)
            if guard is not None and ticket is not None:
                headers = (
                    response.headers if response is not None else getattr(error, "headers", None)
                )
                report = guard.observe(ticket, headers, error)
                if report is not None:  # shared state: tell the fleet
                    yield from report
            if response is not None:
                _breaker_verdict(breaker, None)
                if response.stream is None:  # the whole body is here: free the place now
                    slot.release()
                    slot = None
                return Exchange(response, metrics, attempt, slot, ticket)
            assert error is not None  # no reply: an error to judge
            decision = decide(
                settings,
                attempt,
                error.status_code,
                error.headers if error.status_code is not None else None,
                error,
            )
            if not decision.retry:
                error.attempts = attempt
                raise error
            _notify_retry(ctx, call, attempt, decision.delay, error)
            if guard is None:
                yield from sleep(decision.delay)
            else:
                retry_delay = decision.delay
    except BaseException as exc:
        if breaker_engaged:
            _breaker_verdict(breaker, exc)
        if isinstance(exc, OpenAIError):
            exc.attempts = max(attempt, 1)
        recorder.finish(
            metrics,
            success=False,
            status_code=getattr(exc, "status_code", None),
            error=exc,
            retry_count=max(attempt - 1, 0),
            server_request_id=getattr(exc, "request_id", None),
        )
        if recorder.sinks:
            ctx.publish_gauges()
        raise


def finish_ok(
    ctx: CoreContext,
    exchange: Exchange,
    *,
    usage: Any = None,
    response_size: Optional[int] = None,
    reply: Any = None,
) -> None:
    ticket = exchange.ticket
    if ticket is not None:  # the budget's estimate, corrected from usage
        ticket.guard.settle(ticket, usage)
    # perf: type() first; isinstance against typing.Mapping runs the ABC machinery per call
    is_reply = type(reply) is dict or isinstance(reply, Mapping)
    recorder = ctx.recorder
    if is_reply and getattr(recorder, "enabled", True):
        note_reply(exchange.metrics, reply)
    recorder.finish(
        exchange.metrics,
        success=True,
        status_code=exchange.response.status,
        usage=usage if type(usage) is dict or isinstance(usage, Mapping) else None,  # perf
        response_size=len(exchange.response.content) if response_size is None else response_size,
        retry_count=exchange.attempts - 1,
        server_request_id=exchange.request_id,
    )
    if recorder.sinks:
        ctx.publish_gauges()


def finish_error(
    ctx: CoreContext, exchange: Exchange, error: BaseException, *, response_size: int = 0
) -> None:
    recorder = ctx.recorder
    recorder.finish(
        exchange.metrics,
        success=False,
        status_code=exchange.response.status,
        error=error,
        response_size=response_size,
        retry_count=exchange.attempts - 1,
        server_request_id=exchange.request_id,
    )
    if recorder.sinks:
        ctx.publish_gauges()


def read_stream(stream: Any) -> Flow[bytes]:
    """The next piece of a streamed reply; a connection lost mid-stream is a StreamError.

    The caller already received part of the answer, so this is not retried
    and must not look like an ordinary connection failure.
    """
    try:
        return (yield from read_chunk(stream))
    except APIConnectionError as exc:
        raise stream_broke_off(exc) from exc


def stream_broke_off(error: APIConnectionError) -> StreamError:
    """The StreamError for a connection lost mid-stream (see :func:`read_stream`).

    For hot loops that yield a reused ``ReadChunk`` themselves (perf: no
    generator per read) and must translate the error the same way.
    """
    return StreamError(f"the stream broke off: {error.message}")


def call_json(ctx: CoreContext, call: ApiCall, parse: Callable[[Any, Exchange], T]) -> Flow[T]:
    """A whole non-streaming JSON call: pipeline, decode, parse, metrics."""
    exchange = yield from open_exchange(ctx, call)
    try:
        data = decode_json(exchange.response)
        result = parse(data, exchange)
    except BaseException as exc:
        finish_error(ctx, exchange, exc, response_size=len(exchange.response.content))
        raise
    if isinstance(data, dict):
        finish_ok(ctx, exchange, usage=data.get("usage"), reply=data)
    else:
        finish_ok(ctx, exchange)
    return result


def call_raw(ctx: CoreContext, call: ApiCall, parse: Callable[[Exchange], T]) -> Flow[T]:
    """A whole non-streaming call whose body is not (necessarily) JSON."""
    exchange = yield from open_exchange(ctx, call)
    try:
        result = parse(exchange)
    except BaseException as exc:
        finish_error(ctx, exchange, exc, response_size=len(exchange.response.content))
        raise
    finish_ok(ctx, exchange)
    return result
