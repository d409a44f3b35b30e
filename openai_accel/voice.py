"""Voice agents: ``client.create_voice_agent(system_prompt)`` -> talk in turns.

The turn logic lives once, as flows in :mod:`openai_accel._ops.voice`; the two
agent classes below only bind those flows to a driver, exactly as the clients
bind theirs (``call_op`` passes ``self._ctx`` - here the conversation - and
runs the flow on ``self._driver``). :class:`agent_factory` declares
``create_voice_agent`` once on the shared client base while still telling
type checkers that ``OpenAI`` makes a :class:`VoiceAgent` and ``AsyncOpenAI``
an :class:`AsyncVoiceAgent`.
"""

from __future__ import annotations

import sys
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Generic,
    List,
    Optional,
    Type,
    Union,
    overload,
)

if sys.version_info >= (3, 10):
    from typing import Concatenate, ParamSpec
else:  # perf: typing_extensions (~2 ms to import) only where typing lacks them
    from typing_extensions import Concatenate, ParamSpec

from ._core.context import ClientCore
from ._drivers import AsyncDriver, SyncDriver
from ._surface import AsyncOwner, MethodDescriptor, SyncOwner, call_op, lazy_module

if TYPE_CHECKING:
    from ._ops import voice as voice_ops
    from ._ops.voice import VoiceResponse, VoiceSession
else:
    # perf: the voice flows (and the audio ones they use) load at first use.
    voice_ops = lazy_module("openai_accel._ops.voice")

__all__ = ["AsyncVoiceAgent", "VoiceAgent", "VoiceResponse", "agent_factory"]

P = ParamSpec("P")


class _VoiceAgentBase:
    """What both agents share; the turn methods are declared once, as on the clients."""

    def __init__(self, session: VoiceSession, driver: Union[SyncDriver, AsyncDriver]) -> None:
        self._ctx = session
        self._driver: Any = driver

    process_text = call_op(voice_ops.process_text)
    process_audio = call_op(voice_ops.process_audio)

    @property
    def system_prompt(self) -> str:
        return self._ctx.system_prompt

    def get_messages(self) -> List[Dict[str, Any]]:
        """A copy of the conversation so far (system prompt first, then each turn)."""
        return self._ctx.messages()

    def reset(self, system_prompt: Optional[str] = None) -> None:
        """Forget every turn; keep the system prompt unless a new one is given."""
        self._ctx.reset(system_prompt)

    def __repr__(self) -> str:
        turns = sum(1 for message in self._ctx.history if message.get("role") == "user")
        return f"{type(self).__name__}(turns={turns}, system_prompt={self.system_prompt!r:.60})"


class VoiceAgent(_VoiceAgentBase):
    """A voice agent of the blocking client: ``process_text`` / ``process_audio`` block."""

    _driver: SyncDriver


class AsyncVoiceAgent(_VoiceAgentBase):
    """A voice agent of the asyncio client: ``await agent.process_text(...)``."""

    _driver: AsyncDriver


class agent_factory(MethodDescriptor, Generic[P]):
    """A client method that builds a voice agent bound to the client's driver.

    Mirrors :class:`~openai_accel._surface.call_op`: declared once on the
    shared base, it returns a ``VoiceAgent`` on ``OpenAI`` and an
    ``AsyncVoiceAgent`` on ``AsyncOpenAI``, and mypy knows which.
    """

    def __init__(self, build: Callable[Concatenate[ClientCore, P], VoiceSession]) -> None:
        def impl(owner: Any, *args: Any, **kwargs: Any) -> _VoiceAgentBase:
            session = build(owner._ctx, *args, **kwargs)
            driver = owner._driver
            cls: Type[_VoiceAgentBase] = (
                AsyncVoiceAgent if isinstance(driver, AsyncDriver) else VoiceAgent
            )
            return cls(session, driver)

        self._describe(impl, build)

    @overload
    def __get__(self, obj: None, owner: Any) -> agent_factory[P]: ...

    @overload
    def __get__(self, obj: SyncOwner, owner: Any) -> Callable[P, VoiceAgent]: ...

    @overload
    def __get__(self, obj: AsyncOwner, owner: Any) -> Callable[P, AsyncVoiceAgent]: ...

    def __get__(self, obj: Any, owner: Any) -> Any:
        return self._bind(obj)


def __getattr__(name: str) -> Any:
    if name == "VoiceResponse":  # re-exported; its module loads on first use
        from ._ops.voice import VoiceResponse

        return VoiceResponse
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
