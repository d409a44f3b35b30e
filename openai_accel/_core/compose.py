"""Flow combinators: build a flow from another without copying its logic. Pure.

``keep_emits`` is how the SDK-shaped surface hides a chunk the caller did not
ask for (the usage-only chunk this library requests for its metrics) while
the wrapped flow, its retries and its bookkeeping run unchanged.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, TypeVar

from .effects import Emit, Flow

__all__ = ["keep_emits"]

T = TypeVar("T")


def keep_emits(flow: Flow[T], keep: Callable[[Any], bool]) -> Flow[T]:
    """``flow``, with the items it emits filtered by ``keep``; everything else passes through.

    Effects go out to the driver and their outcomes (values or exceptions)
    come back in unchanged; closing this flow closes ``flow`` (so its
    ``finally`` blocks give back connection and queue slot).
    """
    value: Any = None
    error: Optional[BaseException] = None
    try:
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(value)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            value, error = None, None
            if type(effect) is Emit and not keep(effect.value):
                continue  # dropped: the item's consumer never sees it
            try:
                value = yield effect
            except GeneratorExit:
                raise
            except BaseException as exc:  # the driver's failure goes into the flow
                error = exc
    finally:
        flow.close()
