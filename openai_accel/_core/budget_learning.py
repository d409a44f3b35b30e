"""What a reply's ``x-ratelimit-*`` headers teach the budget, and the cheap way to hear it.

Every reply carries the six headers, and the API's change on nearly every
reply (``remaining-*`` counts every request in flight, ``reset-*`` how far
the window is from full), so remembering the last values saves nothing. What
does save is noticing that most replies *cannot* change a decision: the
limits are the ones already learnt (the same text as last time), each
``remaining`` is at least a burst's worth (it can only ever lower a bucket
to it, and a bucket never holds more), and the buckets are full (so a reset
cannot raise them; see ``budget_state.is_full``). Such a reply is only kept,
to be read if ``client.rate_limits`` asks: :meth:`LearnsFromReplies.learn_from_headers`
checks exactly that, reading four headers and no durations. When only the
last condition fails (calls in flight have drawn on a bucket, as at any
real concurrency), the limits and ``remaining`` still cannot change a
decision, and only the two reset durations are read, for the catch-up.
Anything else is read in full (:meth:`LearnsFromReplies.learn`). A
property-based test runs random reply sequences both ways and compares
every decision."""

from __future__ import annotations

import threading
from typing import Callable, Dict, Mapping, Optional, Tuple, Union

from .budget_state import FamilyState, is_full
from .gcra import Bucket, Reservation
from .rate_config import AUTO, RateLimits
from .rate_headers import RateLimitInfo, parse_duration, parse_rate_limit_headers

__all__ = ["AUTO_RATE_MARGIN", "LearnsFromReplies", "read_rate_limits"]

#: "auto" paces at this share of the limits a server announces: the server's own
#: bucket then refills a little faster than the client spends, so requests that
#: reach it bunched together (network, scheduling) still fit, and the headers of
#: the next replies correct the rest. Configured RateLimits are used as given.
AUTO_RATE_MARGIN = 0.95
#: A count longer than this is not a count (``rate_headers`` refuses it too).
_MAX_COUNT_LEN = 20


def _paced(bucket: Optional[Bucket], limit: int, burst: float, now: float) -> Bucket:
    """``bucket`` (made if need be) pacing at the margin under a limit the server announced.

    A bucket is retuned in place, never replaced: the reservations and
    corrections that hold it keep counting in the same one.
    """
    per_minute = limit * AUTO_RATE_MARGIN
    if bucket is None:
        return Bucket(per_minute, burst, now)
    bucket.retune(per_minute, burst)
    return bucket


class LearnsFromReplies:
    """The learning half of :class:`~openai_accel._core.budget.Budget` (its state, its lock)."""

    mode: Union[str, RateLimits]
    clock: Callable[[], float]
    burst_seconds: float
    _learning: bool
    _families: Dict[str, FamilyState]
    _lock: threading.Lock

    def _family(self, name: str) -> FamilyState:  # pragma: no cover - Budget's
        raise NotImplementedError

    def learn_from_headers(
        self, family: str, headers: Mapping[str, str], reservation: Optional[Reservation] = None
    ) -> None:
        """:meth:`learn` what a reply's headers say, reading them only when they matter."""
        state = self._families.get(family)
        if state is not None and state.said is not None:
            get = headers.get
            requests, tokens = state.requests, state.tokens
            # A ``remaining`` cannot lower its bucket when unsaid, or a burst or more;
            # only plain decimal text is judged here: anything else ("-1", "1e3",
            # padding) goes to the full reading, which decides what it means.
            # perf: this and ``is_full`` written out, no call per reply: four calls
            # fewer took half a point off the asyncio client's budget overhead.
            left = get("x-ratelimit-remaining-requests")
            left_tokens = get("x-ratelimit-remaining-tokens")
            if (
                get("x-ratelimit-limit-requests") == state.said_limit_requests
                and get("x-ratelimit-limit-tokens") == state.said_limit_tokens
                and (
                    left is None
                    or requests is None
                    or (
                        len(left) <= _MAX_COUNT_LEN
                        and left.isdecimal()
                        and int(left) >= requests.burst
                    )
                )
                and (
                    left_tokens is None
                    or tokens is None
                    or (
                        len(left_tokens) <= _MAX_COUNT_LEN
                        and left_tokens.isdecimal()
                        and int(left_tokens) >= tokens.burst
                    )
                )
            ):
                now = self.clock()
                if (
                    reservation is None
                    or not self._learning
                    or (
                        (requests is None or requests.tat <= now)
                        and (tokens is None or tokens.tat <= now)
                    )
                ):
                    state.said, state.learned_at = headers, now  # read when shown
                    return
                # The same limits and plenty left, but a bucket the calls in
                # flight have drawn on: only the resets can change anything
                # (they may raise what is left), so read just those two.
                resets = _reset_seconds
                reset_requests = resets(get("x-ratelimit-reset-requests"))
                reset_tokens = resets(get("x-ratelimit-reset-tokens"))
                self._lock.acquire()  # perf: try/finally costs half a ``with`` (once per reply)
                try:
                    now = self.clock()
                    state.said, state.learned_at = headers, now
                    self._catch_up(state, reset_requests, reset_tokens, reservation, now)
                finally:
                    self._lock.release()
                return
        self.learn(family, read_rate_limits(headers), reservation, headers)

    def learn(
        self,
        family: str,
        info: RateLimitInfo,
        reservation: Optional[Reservation] = None,
        said: Optional[Mapping[str, str]] = None,
    ) -> None:
        """Follow what a reply's ``x-ratelimit-*`` headers said (ignored when they said nothing).

        The limits set the pace; ``remaining`` only ever lowers what is left.
        In ``"auto"`` mode the reset times also raise it: a server saying its
        window is full again in 2 ms has not counted the calls this client
        believed were using it up (other clients' calls, or a server that is
        simply not that strict), and pacing against a deficit the server does
        not see would only idle the client. ``reservation`` is the one this
        reply answers: the calls reserved after it are counted on top, since
        the server cannot have seen them yet. ``said`` is the headers ``info``
        was read from (they let the next reply be judged without reading).
        """
        if not info.known and info.remaining_requests is None and info.remaining_tokens is None:
            return
        with self._lock:
            state = self._family(family)
            now = self.clock()
            state.learned, state.learned_at, state.said = info, now, None
            learning = self.mode == AUTO
            burst = self.burst_seconds
            if learning and info.limit_requests:
                state.requests = _paced(state.requests, info.limit_requests, burst, now)
            if learning and info.limit_tokens:
                state.tokens = _paced(state.tokens, info.limit_tokens, burst, now)
            if state.requests is not None and info.remaining_requests is not None:
                state.requests.at_most(now, info.remaining_requests, info.reset_requests)
            if state.tokens is not None and info.remaining_tokens is not None:
                state.tokens.at_most(now, info.remaining_tokens, info.reset_tokens)
            if said is not None and info.known:  # the next one with these limits need not be read
                state.said = said
                state.said_limit_requests = said.get("x-ratelimit-limit-requests")
                state.said_limit_tokens = said.get("x-ratelimit-limit-tokens")
            if learning and reservation is not None:
                self._catch_up(state, info.reset_requests, info.reset_tokens, reservation, now)

    @staticmethod
    def _catch_up(
        state: FamilyState,
        reset_requests: Optional[float],
        reset_tokens: Optional[float],
        reservation: Reservation,
        now: float,
    ) -> None:
        """The server's window is full again in ``reset`` seconds: never believe in less.

        The calls reserved after the one this reply answers may not have been
        counted by the server yet, so they are owed on top. Only ever raises
        what is available, and never beyond a full bucket (``tat`` not before
        now). Skipped when both buckets are full already (nothing to raise).
        """
        requests, tokens = state.requests, state.tokens
        if is_full(requests, now) and is_full(tokens, now):
            return
        if requests is not None and reset_requests is not None:
            since = state.issued - reservation.issued - 1
            tat = now + reset_requests + (since if since > 0 else 0) / requests.rate
            if tat < requests.tat:
                requests.tat = tat if tat > now else now
        if tokens is not None and reset_tokens is not None:
            since_tokens = state.issued_tokens - reservation.issued_tokens - reservation.tokens
            tat = now + reset_tokens + (since_tokens if since_tokens > 0 else 0.0) / tokens.rate
            if tat < tokens.tat:
                tokens.tat = tat if tat > now else now


_RESETS: Dict[Optional[str], Optional[float]] = {None: None}
_RESETS_SIZE = 256


def _reset_seconds(said: Optional[str]) -> Optional[float]:
    """``parse_duration`` of a reset header, remembering recent texts (``2ms``, ``6m0s``)."""
    try:
        return _RESETS[said]
    except KeyError:
        if len(_RESETS) >= _RESETS_SIZE:
            _RESETS.clear()
            _RESETS[None] = None
        seconds = _RESETS[said] = parse_duration(said)
        return seconds


_NOTHING_SAID = (None,) * 6
_READ_CACHE: Dict[Tuple[Optional[str], ...], RateLimitInfo] = {}
_READ_CACHE_SIZE = 256
_UNKNOWN = RateLimitInfo()


def read_rate_limits(headers: Mapping[str, str]) -> RateLimitInfo:
    """``parse_rate_limit_headers``, remembering recent header values.

    Replies near the limits, and 429s, are read in full; their values
    repeat often enough (a server announcing ``remaining: 0`` and the same
    reset) that a dict lookup beats parsing six values again.
    """
    get = headers.get  # perf: literal (interned) names; much cheaper than map() over a tuple
    key = (
        get("x-ratelimit-limit-requests"),
        get("x-ratelimit-limit-tokens"),
        get("x-ratelimit-remaining-requests"),
        get("x-ratelimit-remaining-tokens"),
        get("x-ratelimit-reset-requests"),
        get("x-ratelimit-reset-tokens"),
    )
    if key == _NOTHING_SAID:
        return _UNKNOWN
    info = _READ_CACHE.get(key)
    if info is None:
        if len(_READ_CACHE) >= _READ_CACHE_SIZE:
            _READ_CACHE.clear()
        info = _READ_CACHE[key] = parse_rate_limit_headers(headers)
    return info
