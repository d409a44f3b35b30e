"""The OpenAI API emulator: a real HTTP server on 127.0.0.1 for offline tests.

The server runs on its own event loop in a daemon thread, so a blocking client
in the test's thread and an asyncio client on another loop can both talk to
it, exactly as they would talk to the real API. See the package docstring for
what it answers; this module is the control panel: start/stop, scripted
replies, fault injection, and what was received.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import threading
import time
from types import TracebackType
from typing import Any, Callable, Dict, Iterable, List, Optional, Type, Union

import attrs
from aiohttp import web

from ._batches import BatchSettings  # files and batches (issue 10)
from ._faults import Fault
from ._files import FileStore
from ._ratelimit import RateLimitSettings
from ._records import ReceivedRequest, ScriptedResponse
from ._server import Server
from ._state import EmulatorState, normalise_route, route_matches


class _Keep(enum.Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP


class Emulator:
    """A local, deterministic, scriptable stand-in for ``https://api.openai.com``.

    ``api_key`` (when set) is the only key accepted, others get the real 401;
    ``latency`` delays every reply; ``seed`` drives ids and probabilistic
    faults, so a run can be repeated; ``stream_chunk_delay`` spaces SSE events
    (useful to test cancelling a stream half-way).

    >>> with Emulator() as emulator:            # doctest: +SKIP
    ...     client = OpenAI(api_key="sk-test", base_url=emulator.base_url)
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: Optional[str] = None,
        latency: float = 0.0,
        seed: int = 0,
        stream_chunk_delay: float = 0.0,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._state = EmulatorState(api_key, latency, seed, stream_chunk_delay)
        self._thread: Optional[threading.Thread] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._server: Optional[asyncio.AbstractServer] = None
        self._port: Optional[int] = None

    def __repr__(self) -> str:  # never shows the API key
        where = self.url if self._port is not None else "not started"
        return f"<Emulator {where}>"

    # ------------------------------------------------------------ lifecycle

    def start(self) -> Emulator:
        """Start serving in a background thread; return once the socket listens."""
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        ready = threading.Event()
        failures: List[BaseException] = []
        thread = threading.Thread(
            target=self._run, args=(ready, failures), name="openai-accel-emulator", daemon=True
        )
        self._thread = thread
        thread.start()
        ready.wait()
        if failures:
            thread.join()
            self._thread = None
            raise failures[0]
        return self

    def stop(self) -> None:
        """Close every connection and stop the server thread (idempotent)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=15)
        self._thread = None
        self._loop = None
        self._port = None

    def __enter__(self) -> Emulator:
        if self._thread is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    def _run(self, ready: threading.Event, failures: List[BaseException]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._open())
        except BaseException as exc:  # reported to start()'s caller
            failures.append(exc)
            ready.set()
            loop.close()
            return
        self._loop = loop
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._close())
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _open(self) -> None:
        app = Server(self._state).application()
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        handler_factory = runner.server
        assert handler_factory is not None
        state = self._state

        def protocol() -> asyncio.BaseProtocol:
            # Counting here, where each accepted connection gets its protocol, is what
            # lets a test prove keep-alive reuse.
            state.connection_opened()
            return handler_factory()

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(protocol, self._host, self._requested_port)
        self._runner = runner
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def _close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._runner is not None:
            if self._runner.server is not None:
                await self._runner.server.shutdown(0.5)
            await self._runner.cleanup()
        if self._server is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
        self._server = None
        self._runner = None

    # ------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (no ``/v1``)."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What a client's ``base_url`` should be: ``http://127.0.0.1:<port>/v1``."""
        return self.url + "/v1"

    # ------------------------------------------------------------ settings

    @property
    def api_key(self) -> Optional[str]:
        return self._state.api_key

    @api_key.setter
    def api_key(self, value: Optional[str]) -> None:
        self._state.api_key = value

    @property
    def latency(self) -> float:
        return self._state.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._state.latency = value

    @property
    def stream_chunk_delay(self) -> float:
        return self._state.stream_chunk_delay

    @stream_chunk_delay.setter
    def stream_chunk_delay(self, value: float) -> None:
        self._state.stream_chunk_delay = value

    # ------------------------------------------------------------ observing

    @property
    def requests(self) -> List[ReceivedRequest]:
        """Every request received so far (faulted ones too), oldest first; a copy."""
        with self._state.lock:
            return list(self._state.records)

    def request_count(self, path: Optional[str] = None) -> int:
        """How many requests arrived (for ``path`` only, when given)."""
        route = normalise_route(path)
        with self._state.lock:
            return sum(1 for r in self._state.records if route_matches(route, r.path))

    @property
    def connections_opened(self) -> int:
        """TCP connections accepted since start (or the last :meth:`reset`)."""
        with self._state.lock:
            return self._state.connections

    # ------------------------------------------------------------ steering

    def enqueue(self, response: ScriptedResponse, route: Optional[str] = None) -> None:
        """Answer the next request (to ``route``, or any) with ``response``; FIFO."""
        self._state.add_script(route, response)

    def inject(
        self,
        fault: Fault,
        route: Union[str, _Keep, None] = KEEP,
        count: Union[int, _Keep, None] = KEEP,
        probability: Union[float, _Keep] = KEEP,
    ) -> None:
        """Make matching requests misbehave as ``fault`` says.

        ``route``/``count``/``probability`` override the fault's own fields when
        given; so ``inject(Fault(status=503), count=3)`` hits the next three
        requests, and ``count=None`` hits every one until :meth:`reset`.
        """
        changes: Dict[str, Any] = {}
        if route is not KEEP:
            changes["route"] = route
        if count is not KEEP:
            changes["count"] = count
        if probability is not KEEP:
            changes["probability"] = probability
        self._state.add_fault(attrs.evolve(fault, **changes) if changes else fault)

    # ------------------------------------------------------------ files and batches (issue 10)

    @property
    def files(self) -> FileStore:
        """The stored files; ``files.uploads`` counts ``purpose="batch"`` uploads."""
        return self._state.files

    @property
    def batches(self) -> BatchSettings:
        """How batches behave (stage durations, failures, expiry...); ``batches.creations``
        counts the batches created. Reset with everything else by :meth:`reset`."""
        return self._state.batches.settings

    def reset(self) -> None:
        """Forget scripts, faults, received requests and counters; restart the fault RNG.

        ``api_key``, ``latency`` and ``stream_chunk_delay`` go back to the values the
        emulator was built with, batch settings and rate limits to their defaults: the
        pytest fixture resets before every test, so what one test changes never reaches
        the next.
        """
        self._state.reset()

    # ------------------------------------------------------------ rate limits

    def set_rate_limits(
        self,
        requests_per_minute: Optional[float] = None,
        tokens_per_minute: Optional[float] = None,
        *,
        burst_seconds: float = 1.0,
        insufficient_quota: bool = False,
    ) -> None:
        """Enforce limits per API key and model, as the real API does (see ``_ratelimit``).

        Replies then carry live ``x-ratelimit-*`` headers; a request over budget
        gets 429 ``rate_limit_exceeded`` with ``retry-after-ms``. With
        ``insufficient_quota=True`` every API call gets the 429 of an account
        out of credit. ``set_rate_limits()`` (no limits) or :meth:`reset`
        turns it off.
        """
        self._state.rate_limiter.configure(
            RateLimitSettings(
                requests_per_minute, tokens_per_minute, burst_seconds, insufficient_quota
            )
        )

    @property
    def rate_limit_rejections(self) -> int:
        """How many requests the rate limiter refused with a 429 since the last reset."""
        return self._state.rate_limiter.rejected

    def rate_limit_rejections_for(self, api_key: str) -> int:
        """The same, for the requests made with one API key."""
        return self._state.rate_limiter.rejected_for(f"Bearer {api_key}")


def run_forever(
    host: str = "127.0.0.1",
    port: int = 0,
    api_key: Optional[str] = None,
    faults: Iterable[Fault] = (),
    *,
    latency: float = 0.0,
    seed: int = 0,
    ready: Optional[Callable[[Emulator], None]] = None,
    stop: Optional[threading.Event] = None,
) -> None:
    """Serve until Ctrl-C (or until ``stop`` is set): the CLI's ``emulator`` command.

    ``faults`` are injected with their own ``route``/``count``/``probability``.
    ``ready`` is called with the running emulator; by default the base URL is
    printed, since with ``port=0`` it is the only way to learn the port.
    """
    emulator = Emulator(host=host, port=port, api_key=api_key, latency=latency, seed=seed)
    emulator.start()
    try:
        for fault in faults:
            emulator.inject(fault)
        if ready is not None:
            ready(emulator)
        else:
            print(f"OpenAI API emulator listening on {emulator.base_url}", flush=True)
        stopper = stop if stop is not None else threading.Event()
        while not stopper.wait(0.25):
            time.sleep(0)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
