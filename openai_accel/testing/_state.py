"""The emulator's mutable state, shared by the test's thread and the server's loop.

Tests enqueue scripts and inject faults from their own thread while the
server consumes them on its event loop thread, so every access goes through
one lock. Nothing here awaits or blocks for long.
"""

from __future__ import annotations

import collections
import random
import threading
from typing import Any, Deque, Dict, List, Optional, Tuple

import attrs

from ._batches import BatchEngine, BatchSettings  # files and batches (issue 10)
from ._faults import Fault
from ._files import FileStore
from ._ratelimit import EmulatorRateLimiter
from ._records import ReceivedRequest, ScriptedResponse

MAX_STORED_IMAGES = 256
MAX_STORED_RESPONSES = 1000  # responses


def normalise_route(route: Optional[str]) -> Optional[str]:
    """Accept ``/v1/chat/completions``, ``/chat/completions`` or ``chat/completions``."""
    if route is None:
        return None
    route = route.strip()
    if not route.startswith("/"):
        route = "/" + route
    if route != "/v1" and not route.startswith("/v1/"):
        route = "/v1" + route
    return route.rstrip("/") or "/"


def route_matches(route: Optional[str], path: str) -> bool:
    return route is None or route == (path.rstrip("/") or "/")


@attrs.define
class _ActiveFault:
    fault: Fault
    route: Optional[str]
    remaining: Optional[int]


class EmulatorState:
    """Records, scripts, faults, stored images, counters and the seeded RNGs."""

    def __init__(
        self, api_key: Optional[str], latency: float, seed: int, stream_chunk_delay: float
    ) -> None:
        self.lock = threading.Lock()
        # What reset() returns to: a test that slows the emulator down or changes its key
        # must not slow down or lock out every test after it on a shared emulator.
        self._started_with = (api_key, latency, stream_chunk_delay)
        self.api_key, self.latency, self.stream_chunk_delay = self._started_with
        self.seed = seed
        self.records: List[ReceivedRequest] = []
        self.scripts: Deque[Tuple[Optional[str], ScriptedResponse]] = collections.deque()
        self.faults: List[_ActiveFault] = []
        self.images: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        #: Responses API conversations by response id, for ``previous_response_id`` (responses).
        self.stored_responses: collections.OrderedDict[str, List[Dict[str, Any]]] = (
            collections.OrderedDict()
        )
        self.connections = 0
        self.fault_rng = random.Random(seed)
        # Used only on the server's loop thread: ids, obfuscation padding.
        self.id_rng = random.Random(seed + 1)
        # Files and batches (issue 10).
        self.files = FileStore()
        self.batches = BatchEngine(self.files, BatchSettings(), seed)
        #: Rate limits per key and model (off until Emulator.set_rate_limits).
        self.rate_limiter = EmulatorRateLimiter()

    def reset(self) -> None:
        with self.lock:
            self.records.clear()
            self.scripts.clear()
            self.faults.clear()
            self.images.clear()
            self.stored_responses.clear()
            self.connections = 0
            self.api_key, self.latency, self.stream_chunk_delay = self._started_with
            # Only the fault coin tosses restart: ids keep their sequence, so a client that
            # outlives a reset never sees a request id twice.
            self.fault_rng = random.Random(self.seed)
        self.files.reset()  # files and batches (issue 10)
        self.batches.reset()
        self.rate_limiter.reset()

    def record(self, request: ReceivedRequest) -> None:
        with self.lock:
            self.records.append(request)

    def connection_opened(self) -> None:
        with self.lock:
            self.connections += 1

    def add_script(self, route: Optional[str], response: ScriptedResponse) -> None:
        with self.lock:
            self.scripts.append((normalise_route(route), response))

    def take_script(self, path: str) -> Optional[ScriptedResponse]:
        with self.lock:
            for index, (route, response) in enumerate(self.scripts):
                if route_matches(route, path):
                    del self.scripts[index]
                    return response
        return None

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(_ActiveFault(fault, normalise_route(fault.route), fault.count))

    def take_fault(self, path: str, streaming: bool) -> Optional[Fault]:
        """The first active fault that matches this request and wins its coin toss."""
        with self.lock:
            for active in self.faults:
                fault = active.fault
                if not route_matches(active.route, path):
                    continue
                if fault.stream_only and not streaming:
                    continue
                if fault.probability < 1.0 and self.fault_rng.random() >= fault.probability:
                    continue
                if active.remaining is not None:
                    active.remaining -= 1
                    if active.remaining <= 0:
                        self.faults.remove(active)
                return fault
        return None

    def store_images(self, images: Dict[str, bytes]) -> None:
        with self.lock:
            self.images.update(images)
            while len(self.images) > MAX_STORED_IMAGES:
                self.images.popitem(last=False)

    def image(self, image_id: str) -> Optional[bytes]:
        with self.lock:
            return self.images.get(image_id)

    # -- Responses API (responses) --

    def store_response(self, response_id: str, conversation: List[Dict[str, Any]]) -> None:
        with self.lock:
            self.stored_responses[response_id] = conversation
            while len(self.stored_responses) > MAX_STORED_RESPONSES:
                self.stored_responses.popitem(last=False)

    def stored_response(self, response_id: str) -> Optional[List[Dict[str, Any]]]:
        """A copy of a stored conversation (None when unknown or evicted)."""
        with self.lock:
            found = self.stored_responses.get(response_id)
            return list(found) if found is not None else None
