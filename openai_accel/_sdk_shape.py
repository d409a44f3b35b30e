"""The official SDK's shape (``client.chat.completions.create(...)``), as a table.

Each row names an SDK method and the existing flow that implements it, with
the argument mapping in between (which SDK keywords become the flow's
positional arguments, renamed keywords, a result conversion). No call is
implemented twice: ``client.embeddings.create(input=..., model=...)`` runs
``embedding``'s flow, with its validation, retries, breaker and metrics, and
the blocking and asyncio clients get it from the same descriptors.

The rows are in ``_sdk_rows.py``; this module turns them into descriptors.
Adding ``responses.create`` or ``files.list`` is one row; a new top-level name
(``responses``) is also one ``namespace("responses")`` line in
``_client_base.py``.
"""

from __future__ import annotations

import inspect
import sys
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Generic,
    Optional,
    Protocol,
    Tuple,
    Type,
    TypeVar,
    overload,
)

if sys.version_info >= (3, 10):
    from typing import ParamSpec
else:  # perf: typing_extensions (~2 ms to import) only where typing lacks it
    from typing_extensions import ParamSpec

from ._core.effects import Flow
from ._drivers import AsyncDriver
from ._sdk_rows import SDK_ROWS, SdkRow
from ._surface import AsyncOwner, LazyFlow, SyncOwner, call_op

__all__ = ["SDK_ROWS", "SdkRow", "namespace"]

P = ParamSpec("P")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def _sdk_flow(row: SdkRow, ctx: Any, kwargs: Dict[str, Any]) -> Flow[Any]:
    args, mapped = row.arguments(kwargs)
    result = yield from row.flow(ctx, *args, **mapped)
    return row.result(result) if row.result is not None else result


async def _ready(value: Any) -> Any:
    return value


class _AsyncListing:
    """An async listing the SDK's way: ``async for`` it, or ``await`` it for the iterator."""

    __slots__ = ("_stream",)

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __aiter__(self) -> Any:
        return self._stream.__aiter__()

    def __await__(self) -> Any:
        return _ready(self._stream).__await__()


def _keywords(row: SdkRow, args: Tuple[Any, ...], kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """Positional arguments (``files.retrieve("file-abc")``) named after the row's positionals."""
    if args and not row.by_position:
        raise TypeError(f"{row.path}() takes keyword arguments only")
    if len(args) > len(row.positional):
        raise TypeError(
            f"{row.path}() takes {len(row.positional)} positional argument(s), got {len(args)}"
        )
    for name, value in zip(row.positional, args):
        if name in kwargs:
            raise TypeError(f"{row.path}() got multiple values for argument {name!r}")
        kwargs[name] = value
    return kwargs


def _signature(row: SdkRow) -> inspect.Signature:
    kw = inspect.Parameter.KEYWORD_ONLY
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)]
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD if row.by_position else kw
    params += [inspect.Parameter(name, kind) for name in row.positional]
    if row.stream is not None:
        params.append(inspect.Parameter("stream", kw, default=False))
    params.append(inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


class SdkMethod:
    """``create`` / ``list`` / ``generate``: maps the SDK's keywords onto a row's flow.

    ``stream=True`` (on rows that stream) opens the stream flow instead; on the
    asyncio client the stream is returned by an awaitable, as the SDK's
    ``await client.chat.completions.create(..., stream=True)`` expects.
    """

    def __init__(self, row: SdkRow) -> None:
        self.row = row
        self.__name__ = row.path.rsplit(".", 1)[-1]
        self._doc: Optional[str] = None
        self.__signature__ = _signature(row)
        params = list(self.__signature__.parameters.values())[1:]
        self._bound_signature = self.__signature__.replace(parameters=params)

    @property
    def __doc__(self) -> str:  # type: ignore[override]
        """Built on first read: reading the flow's docstring imports its module."""
        if self._doc is None:
            row = self.row
            flow = row.flow.resolve() if isinstance(row.flow, LazyFlow) else row.flow
            name = flow.__name__
            self._doc = (
                f"The official SDK's ``client.{row.path}(...)``: runs ``{name}`` with the "
                f"SDK's argument names ({', '.join(row.positional) or 'options only'}; other "
                f"keywords as for ``{name}``).\n\n" + inspect.cleandoc(flow.__doc__ or "")
            )
        return self._doc

    def __get__(self, resource: Any, owner: Any) -> Any:
        if resource is None:
            return self
        row = self.row

        def call(*args: Any, **kwargs: Any) -> Any:
            client = resource._client
            ctx, driver = client._ctx, client._driver
            kwargs = _keywords(row, args, kwargs)
            if row.iterates:
                listing = driver.stream(_sdk_flow(row, ctx, kwargs))
                return _AsyncListing(listing) if isinstance(driver, AsyncDriver) else listing
            streaming = kwargs.pop("stream", False)
            if streaming:
                if row.stream is None:
                    raise TypeError(f"{row.path}() does not support stream=True here")
                flow_args, mapped = row.arguments(kwargs)
                stream = driver.stream(row.stream(ctx, flow_args, mapped))
                return _ready(stream) if isinstance(driver, AsyncDriver) else stream
            return driver.run(_sdk_flow(row, ctx, kwargs))

        call.__name__ = self.__name__
        call.__doc__ = self.__doc__
        call.__signature__ = self._bound_signature  # type: ignore[attr-defined]
        return call

    def __call__(self, resource: Any, *args: Any, **kwargs: Any) -> Any:
        """Called on the class (``Completions.create(resource, ...)``), like a function."""
        return self.__get__(resource, type(resource))(*args, **kwargs)


class Resource:
    """A namespace of the SDK's shape (``client.chat.completions``), bound to a client."""

    __slots__ = ("_client",)

    def __init__(self, client: Any) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {type(self._client).__name__}>"

    # What call_op's methods read, so a callable namespace (``client.chat``) runs them.
    @property
    def _ctx(self) -> Any:
        return self._client._ctx

    @property
    def _driver(self) -> Any:
        return self._client._driver


class _Child:
    """A sub-namespace attribute (``chat.completions``): a resource bound to the same client."""

    def __init__(self, resource_cls: Type[Resource]) -> None:
        self.resource_cls = resource_cls
        self.__doc__ = resource_cls.__doc__

    def __get__(self, resource: Any, owner: Any) -> Any:
        if resource is None:
            return self.resource_cls
        return self.resource_cls(resource._client)


def _title(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _resource_classes(rows: Tuple[SdkRow, ...]) -> Dict[str, Type[Resource]]:
    """One Resource subclass per dotted prefix (``chat``, ``chat.completions``, ...)."""
    members: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        parts = row.path.split(".")
        for depth in range(1, len(parts)):
            members.setdefault(".".join(parts[:depth]), {})
        members[".".join(parts[:-1])][parts[-1]] = SdkMethod(row)
    classes: Dict[str, Type[Resource]] = {}
    for prefix in sorted(members, key=lambda p: -p.count(".")):  # children first
        body = dict(members[prefix])
        for other, cls in classes.items():
            parent, _, leaf = other.rpartition(".")
            if parent == prefix:
                body[leaf] = _Child(cls)
        body["__slots__"] = ()
        body["__doc__"] = f"The official SDK's ``client.{prefix}`` namespace."
        body["__module__"] = __name__
        classes[prefix] = type(_title(prefix.rsplit(".", 1)[-1]), (Resource,), body)
    return classes


RESOURCES = _resource_classes(SDK_ROWS)


def _through_client(impl: Callable[..., Any]) -> Callable[..., Any]:
    """A callable namespace's ``__call__``: the client's method, run on the client.

    perf: a plain function in the class, so ``client.chat(...)`` makes no bound
    method per call (a ``call_op`` there was bound on every call) and reads the
    client's driver and context directly, not through ``Resource``'s properties.
    """

    def __call__(resource: Resource, *args: Any, **kwargs: Any) -> Any:
        return impl(resource._client, *args, **kwargs)

    __call__.__wrapped__ = impl  # type: ignore[attr-defined]  # inspect.signature follows it
    return __call__


class namespace:
    """A top-level SDK namespace on the client (``client.embeddings``), made on first use.

    ``call`` makes the namespace callable too: ``client.chat`` stays the
    library's ``chat(...)`` method and is also ``client.chat.completions``.
    """

    def __init__(self, name: str, call: Any = None) -> None:
        self._setup(name, call)

    def _setup(self, name: str, call: Any) -> None:
        base = RESOURCES[name]
        if call is not None:
            calls = {"__slots__": (), "__call__": _through_client(call._impl)}
            base = type(base.__name__, (base,), calls)
            self.__doc__ = call.__doc__
            self.__signature__ = getattr(call, "__signature__", None)
        else:
            self.__doc__ = base.__doc__
        self.resource_cls = base
        self.call = call
        self.name = name

    def __set_name__(self, owner: Any, name: str) -> None:
        self.name = name

    def __get__(self, client: Any, owner: Any) -> Any:
        if client is None:
            return self.call if self.call is not None else self
        resource = self.resource_cls(client)
        client.__dict__[self.name] = resource  # later lookups skip the descriptor
        return resource


class CallableResource(Protocol[P, T_co]):
    """What type checkers see for ``client.chat``: the method, plus SDK namespaces."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> T_co: ...

    def __getattr__(self, name: str) -> Any: ...


class callable_namespace(namespace, Generic[P, T]):
    """A namespace that is also a library method (``client.chat``), typed like the method."""

    def __init__(self, name: str, call: call_op[P, T]) -> None:
        self._setup(name, call)

    @overload
    def __get__(self, client: None, owner: Any) -> call_op[P, T]: ...

    @overload
    def __get__(self, client: SyncOwner, owner: Any) -> CallableResource[P, T]: ...

    @overload
    def __get__(self, client: AsyncOwner, owner: Any) -> CallableResource[P, Awaitable[T]]: ...

    def __get__(self, client: Any, owner: Any) -> Any:
        return super().__get__(client, owner)
