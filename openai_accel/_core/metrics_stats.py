"""Aggregates of finished request records: what ``metrics_summary()`` returns.

Kept apart from the recorder so the hot path (start, finish) does not carry
the reporting code, and so the aggregation can be tested on plain records.
"""

import math
from typing import Any, Dict, Iterable, List, Optional, Sequence

from .metrics_record import RequestMetrics

__all__ = ["UNKNOWN_MODEL", "percentile", "summarize"]


def percentile(sorted_values: Sequence[float], pct: float) -> Optional[float]:
    """Linear-interpolated percentile of already-sorted values (None when empty).

    Linear interpolation between closest ranks (numpy's default) keeps p99 of a
    small sample meaningful instead of snapping to the maximum.
    """
    n = len(sorted_values)
    if n == 0:
        return None
    rank = (pct / 100.0) * (n - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, n - 1)
    frac = rank - lo
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * frac


def _group_stats(records: Iterable[RequestMetrics]) -> Dict[str, Any]:
    """Counts, error rate, latency percentiles and token totals of some records."""
    count = successes = retries = 0
    durations: List[float] = []
    ttfts: List[float] = []
    errors_by_type: Dict[str, int] = {}
    inp_sum = out_sum = total_sum = 0
    with_tokens = 0
    for m in records:
        count += 1
        retries += m.retry_count
        if m.success:
            successes += 1
        else:
            key = m.error_type or "unknown"
            errors_by_type[key] = errors_by_type.get(key, 0) + 1
        if m.duration is not None:
            durations.append(m.duration)
        if m.time_to_first_token is not None:
            ttfts.append(m.time_to_first_token)
        if m.input_tokens is not None:
            inp_sum += m.input_tokens
        if m.output_tokens is not None:
            out_sum += m.output_tokens
        if m.total_tokens is not None:
            total_sum += m.total_tokens
            with_tokens += 1
    durations.sort()
    ttfts.sort()
    errors = count - successes
    return {
        "count": count,
        "successes": successes,
        "errors": errors,
        "error_rate": errors / count if count else 0.0,
        "errors_by_type": errors_by_type,
        "retries": retries,
        "latency_p50": percentile(durations, 50),
        "latency_p95": percentile(durations, 95),
        "latency_p99": percentile(durations, 99),
        "time_to_first_token_p50": percentile(ttfts, 50),
        "input_tokens": inp_sum,
        "output_tokens": out_sum,
        "total_tokens": total_sum,
        # Per request of the group, as the name says: ``total_tokens / count``.
        # Tokens are billed per request made, failures included, so a mean over
        # only the requests that reported usage would overstate the cost of a
        # request whenever some failed. That narrower figure is kept as
        # ``mean_tokens_per_reporting_request``.
        "mean_tokens_per_request": total_sum / count if count else None,
        "mean_tokens_per_reporting_request": total_sum / with_tokens if with_tokens else None,
    }


#: Key used in summaries for records whose model is unknown (e.g. refused early).
UNKNOWN_MODEL = "unknown"


def summarize(records: Sequence[RequestMetrics], retention: float) -> Dict[str, Any]:
    """Build the ``metrics_summary()`` dictionary from finished records.

    Shape: ``{"window_seconds", "requests", "overall": stats, "by_type": {type:
    stats}, "by_type_and_model": {type: {model: stats}}}``, where ``stats`` has
    count, successes, errors, error_rate, errors_by_type, retries,
    latency_p50/p95/p99 (seconds), time_to_first_token_p50, input/output/total
    tokens, mean_tokens_per_request (total tokens / count) and
    mean_tokens_per_reporting_request (over requests that reported usage).
    Nested plain dicts (not tuple keys) so the result serialises to JSON as is.
    """
    by_type: Dict[str, List[RequestMetrics]] = {}
    by_model: Dict[str, Dict[str, List[RequestMetrics]]] = {}
    for m in records:
        by_type.setdefault(m.request_type, []).append(m)
        models = by_model.setdefault(m.request_type, {})
        models.setdefault(m.model or UNKNOWN_MODEL, []).append(m)
    return {
        "window_seconds": retention,
        "requests": len(records),
        "overall": _group_stats(records),
        "by_type": {rt: _group_stats(ms) for rt, ms in sorted(by_type.items())},
        "by_type_and_model": {
            rt: {model: _group_stats(ms) for model, ms in sorted(models.items())}
            for rt, models in sorted(by_model.items())
        },
    }
