"""Build a client's rate budget from its constructor options (validated here, at once)."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from ._config import ClientConfig
from ._core.breaker import CircuitBreakerProtocol
from ._core.budget import Budget, BudgetView
from ._core.budget_flow import BudgetGuard
from ._core.rate_config import resolve_rate_limits, validate_rate_limit_timeout
from ._core.token_estimate import TokenCounter, offline_tiktoken_counter

__all__ = ["budget_snapshot", "make_budget_guard"]


def make_budget_guard(
    rate_limits: Any,
    *,
    token_counter: Optional[TokenCounter],
    timeout: Optional[float],
    shared_state: Any,
    config: ClientConfig,
    breaker: Optional[CircuitBreakerProtocol],
    is_async: bool,
) -> Optional[BudgetGuard]:
    """The guard the pipeline consults; None when ``rate_limits=False``.

    Raises ``TypeError``/``ValueError`` for a bad option, so a misconfigured
    client never gets built.
    """
    mode = resolve_rate_limits(rate_limits)
    timeout = validate_rate_limit_timeout(timeout)
    if token_counter is not None and not callable(token_counter):
        raise TypeError("token_counter must be a callable (text, model) -> int")
    counter = token_counter or offline_tiktoken_counter()
    store = None
    if shared_state is not None:
        from ._shared_redis import open_store

        store = open_store(shared_state, is_async=is_async)
    if mode is None:
        if store is not None:
            raise ValueError("shared_state needs a rate budget: rate_limits=False turns it off")
        return None
    budget = Budget(mode)
    if store is None:
        return BudgetGuard(budget, token_counter=counter, timeout=timeout)
    from ._core.shared_guard import SharedBudgetGuard, namespace_for

    return SharedBudgetGuard(
        budget,
        store=store,
        namespace=namespace_for(config),
        breaker=breaker,
        token_counter=counter,
        timeout=timeout,
    )


def budget_snapshot(guard: Optional[BudgetGuard]) -> Mapping[str, BudgetView]:
    return {} if guard is None else guard.budget.snapshot()


def close_budget(guard: Optional[BudgetGuard]) -> None:
    store = getattr(guard, "store", None)
    if store is not None:
        store.close()


async def aclose_budget(guard: Optional[BudgetGuard]) -> None:
    store = getattr(guard, "store", None)
    if store is not None:
        await store.aclose()
