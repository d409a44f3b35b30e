"""``x-ratelimit-*`` headers as the API sends them: the counts move from reply to reply.

A benchmark server that repeats one set of headers flatters the rate budget:
the client can remember the last reply's values and skip reading them. The
API's replies differ: ``remaining-*`` reflects every request in flight across
the organisation and ``reset-*`` how far the window is from full, so both
change on nearly every reply, while the limits stay put. These helpers cycle
through :data:`CYCLE` such replies, far below the limits (what is measured is
the bookkeeping, never a wait).
"""

from __future__ import annotations

from typing import List, Tuple

#: Distinct replies before the values repeat (a prime: no rhythm with 16 at a time).
CYCLE = 17


def rate_limit_headers(index: int, limit_requests: int, limit_tokens: int) -> List[Tuple[str, str]]:
    """The six headers of reply number ``index`` (lower-case names, as the client keeps them)."""
    step = 1 + index % CYCLE
    return [
        ("x-ratelimit-limit-requests", str(limit_requests)),
        ("x-ratelimit-limit-tokens", str(limit_tokens)),
        ("x-ratelimit-remaining-requests", str(limit_requests - step)),
        ("x-ratelimit-remaining-tokens", str(limit_tokens - 25 * step)),
        ("x-ratelimit-reset-requests", f"{2 * step}ms"),
        ("x-ratelimit-reset-tokens", "0s" if index % 3 else "1ms"),
    ]
