"""Public methods defined once for both clients.

A flow function ``f(ctx, *args, **kwargs) -> Flow[T]`` becomes a method by
``call_op(f)``. The descriptor binds it to the instance's driver: on an owner
with a SyncDriver the method returns ``T``, with an AsyncDriver an awaitable
of ``T``. The signature and docstring are the flow's (minus ``ctx``), so
``OpenAI`` and ``AsyncOpenAI`` cannot drift apart: they inherit the very same
attributes from :class:`~openai_accel._client_base.ClientBase`.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from typing import (
    Any,
    Awaitable,
    Callable,
    Generic,
    Optional,
    Protocol,
    Type,
    TypeVar,
    overload,
)

if sys.version_info >= (3, 10):
    from typing import Concatenate, ParamSpec
else:  # perf: typing_extensions (~2 ms to import) only where typing lacks them
    from typing_extensions import Concatenate, ParamSpec

from ._core.effects import Flow
from ._drivers import AsyncDriver, AsyncStream, Stream, SyncDriver

__all__ = ["LazyFlow", "call_op", "lazy_module", "stream_op"]

P = ParamSpec("P")
T = TypeVar("T")
Y = TypeVar("Y")


class SyncOwner(Protocol):
    @property
    def _driver(self) -> SyncDriver: ...


class AsyncOwner(Protocol):
    @property
    def _driver(self) -> AsyncDriver: ...


def _method_signature(flow: Callable[..., Any]) -> inspect.Signature:
    signature = inspect.signature(flow)
    params = list(signature.parameters.values())
    self_param = inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)
    return signature.replace(
        parameters=[self_param, *params[1:]], return_annotation=inspect.Signature.empty
    )


def describe_as(impl: Callable[..., Any], source: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``impl`` the name, docstring and signature (``self`` + the rest) of ``source``."""
    impl.__name__ = source.__name__
    impl.__qualname__ = source.__qualname__
    impl.__doc__ = source.__doc__
    impl.__module__ = source.__module__
    impl.__signature__ = _method_signature(source)  # type: ignore[attr-defined]
    return impl


class LazyFlow:
    """A flow function named by module and attribute, imported at its first use.

    ``import openai_accel`` must stay cheap for a script that only chats, yet
    every public method is declared on the client class at import time. A
    method built from a ``LazyFlow`` imports its module (audio, voice, and
    what they pull in) the first time it is read from a client or its class;
    until then only the name is known. Calling the object calls the function.
    """

    __slots__ = ("_function", "_module", "_name")

    def __init__(self, module: str, name: str) -> None:
        self._module = module
        self._name = name
        self._function: Optional[Callable[..., Any]] = None

    def resolve(self) -> Callable[..., Any]:
        function = self._function
        if function is None:
            function = self._function = getattr(importlib.import_module(self._module), self._name)
        return function

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"LazyFlow({self._module}.{self._name})"


class _LazyModule:
    """Hands out a :class:`LazyFlow` for any attribute: ``lazy.text_to_speech``."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> LazyFlow:
        if name.startswith("__"):
            raise AttributeError(name)
        return LazyFlow(self._module, name)


def lazy_module(module: str) -> Any:
    """A stand-in for ``from ._ops import audio`` whose functions import the module on use.

    Use it at runtime only, with the real import under ``TYPE_CHECKING`` so
    that mypy still sees each flow's signature::

        if TYPE_CHECKING:
            from ._ops import audio as audio_ops
        else:
            audio_ops = lazy_module("openai_accel._ops.audio")
    """
    return _LazyModule(module)


def _flow_runner(flow: Callable[..., Any], driver_method: str) -> Callable[..., Any]:
    # perf: ``self._driver.run(...)`` is a method call without a bound-method object;
    # ``getattr(self._driver, name)(...)`` made one per call (a GC-counted allocation).
    if driver_method == "run":

        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            return self._driver.run(flow(self._ctx, *args, **kwargs))

        return run

    def stream(self: Any, *args: Any, **kwargs: Any) -> Any:
        return self._driver.stream(flow(self._ctx, *args, **kwargs))

    return stream


class MethodDescriptor:
    """The runtime half every public-method descriptor shares.

    ``_impl(owner, *args, **kwargs)`` does the work; reading the attribute on
    an instance binds it (a cheap ``MethodType``), on the class returns the
    descriptor itself, which carries the docstring and signature for help().
    Subclasses add only their constructor and the typed ``__get__`` overloads.
    """

    _impl: Callable[..., Any]
    #: The LazyFlow still to import before the name, docstring and signature are known.
    _pending: Optional[LazyFlow] = None

    def _describe(self, impl: Callable[..., Any], source: Callable[..., Any]) -> None:
        """Give ``impl`` and this descriptor the name, docstring and signature of ``source``.

        For a :class:`LazyFlow` that waits until the descriptor is first read
        (``_bind``), so that declaring the method imports nothing.
        """
        self._impl = impl
        if isinstance(source, LazyFlow):
            self._pending = source
            return
        describe_as(impl, source)
        self.__doc__ = source.__doc__
        self.__signature__ = _method_signature(source)
        # obs: ``inspect.unwrap`` reaches a function, so documentation tools
        # (Sphinx autodoc) show this as a method with its signature, not as an attribute.
        self.__wrapped__ = impl
        self._flow = source  # obs: the docs show the result type from the flow's annotation

    def _resolve(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            self._describe(self._impl, pending.resolve())

    def __set_name__(self, owner: Type[Any], name: str) -> None:
        self.__name__ = name

    def __call__(self, obj: Any, *args: Any, **kwargs: Any) -> Any:
        return self._impl(obj, *args, **kwargs)

    def _bind(self, obj: Any) -> Any:
        if self._pending is not None:
            self._resolve()
        return self if obj is None else types.MethodType(self._impl, obj)


class call_op(MethodDescriptor, Generic[P, T]):
    """A method that runs one flow to completion and returns its result."""

    def __init__(self, flow: Callable[Concatenate[Any, P], Flow[T]]) -> None:
        self._describe(_flow_runner(flow, "run"), flow)

    @overload
    def __get__(self, obj: None, owner: Any) -> call_op[P, T]: ...

    @overload
    def __get__(self, obj: SyncOwner, owner: Any) -> Callable[P, T]: ...

    @overload
    def __get__(self, obj: AsyncOwner, owner: Any) -> Callable[P, Awaitable[T]]: ...

    def __get__(self, obj: Any, owner: Any) -> Any:
        return self._bind(obj)


class stream_op(MethodDescriptor, Generic[P, Y, T]):
    """A method that opens a stream flow: iterate it for ``Y`` items; ``final()`` is ``T``."""

    def __init__(self, flow: Callable[Concatenate[Any, P], Flow[T]], item: Type[Y]) -> None:
        self._describe(_flow_runner(flow, "stream"), flow)
        self._item = item

    @overload
    def __get__(self, obj: None, owner: Any) -> stream_op[P, Y, T]: ...

    @overload
    def __get__(self, obj: SyncOwner, owner: Any) -> Callable[P, Stream[Y, T]]: ...

    @overload
    def __get__(self, obj: AsyncOwner, owner: Any) -> Callable[P, AsyncStream[Y, T]]: ...

    def __get__(self, obj: Any, owner: Any) -> Any:
        return self._bind(obj)
