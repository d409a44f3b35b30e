"""The Redis side of shared state: the only code that talks to Redis (called by the drivers).

``OpenAI`` uses redis-py's blocking client, ``AsyncOpenAI`` ``redis.asyncio``.
Scripts are registered once and run with ``EVALSHA`` (redis-py loads them on
a ``NOSCRIPT`` reply), so a normal attempt costs one round trip. Any Redis
failure becomes :class:`SharedStateUnavailable`, which the flow turns into its
in-process fallback: a Redis outage never fails a call.
"""

from __future__ import annotations

from typing import Any, Dict

from ._core.effects import Shared
from ._core.rate_config import parse_shared_state_url
from ._core.shared_scripts import SharedStateUnavailable

__all__ = ["RedisStore", "open_store"]

#: Connection and read timeouts for clients built from a URL: a dead Redis must cost
#: a call at most this much once every RETRY_SHARED_AFTER seconds.
SOCKET_TIMEOUT = 0.5


def _redis() -> Any:
    try:
        import redis
        import redis.asyncio
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "shared_state needs the redis package: pip install 'openai-accel[redis]'"
        ) from None
    return redis


class RedisStore:
    """Runs the budget's Lua scripts on one redis client (blocking or asyncio)."""

    def __init__(self, client: Any, *, owned: bool) -> None:
        self.client = client
        self.owned = owned
        #: Scripts run so far (the benchmark checks one per attempt).
        self.round_trips = 0
        self._scripts: Dict[str, Any] = {}
        self._errors = _redis().exceptions.RedisError

    def _script(self, script: Any) -> Any:
        registered = self._scripts.get(script.name)
        if registered is None:
            registered = self._scripts[script.name] = self.client.register_script(script.source)
        return registered

    def execute(self, effect: Shared) -> Any:
        self.round_trips += 1
        try:
            return self._script(effect.script)(keys=list(effect.keys), args=list(effect.args))
        except (self._errors, OSError) as exc:
            raise SharedStateUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def execute_async(self, effect: Shared) -> Any:
        self.round_trips += 1
        try:
            return await self._script(effect.script)(keys=list(effect.keys), args=list(effect.args))
        except (self._errors, OSError) as exc:
            raise SharedStateUnavailable(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        if self.owned:
            self.client.close()

    async def aclose(self) -> None:
        if self.owned:
            closer = getattr(self.client, "aclose", None) or self.client.close
            await closer()


def open_store(shared_state: Any, *, is_async: bool) -> RedisStore:
    """A store for ``shared_state``: a ``redis://`` URL or a redis client of the right kind."""
    if isinstance(shared_state, str):
        parse_shared_state_url(shared_state)  # a clear ValueError before redis-py's own
        redis = _redis()
        factory = redis.asyncio.Redis if is_async else redis.Redis
        client = factory.from_url(
            shared_state,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=SOCKET_TIMEOUT,
        )
        return RedisStore(client, owned=True)
    redis = _redis()
    if is_async:
        if not isinstance(shared_state, redis.asyncio.Redis):
            raise TypeError(
                "AsyncOpenAI's shared_state must be a redis:// URL or a redis.asyncio.Redis, "
                f"got {type(shared_state).__name__}"
            )
    elif not isinstance(shared_state, redis.Redis):
        raise TypeError(
            "OpenAI's shared_state must be a redis:// URL or a redis.Redis, "
            f"got {type(shared_state).__name__}"
        )
    return RedisStore(shared_state, owned=False)
