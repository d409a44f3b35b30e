"""Batch jobs (``/v1/batches``): the typed ``Batch`` with every status and its counts."""

import enum
from typing import Any, Dict, List, Mapping, Optional

import attrs

from ._base import library_field
from ._result import ApiResult


class BatchStatus(str, enum.Enum):
    """Every status the Batch API reports, in the order a batch moves through them."""

    VALIDATING = "validating"
    FAILED = "failed"
    IN_PROGRESS = "in_progress"
    FINALIZING = "finalizing"
    COMPLETED = "completed"
    EXPIRED = "expired"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value

    @property
    def is_terminal(self) -> bool:
        """True when the batch will not change any more."""
        return self in _TERMINAL


_TERMINAL = frozenset(
    {BatchStatus.FAILED, BatchStatus.COMPLETED, BatchStatus.EXPIRED, BatchStatus.CANCELLED}
)


def _status(value: Any) -> str:
    """A known status becomes a :class:`BatchStatus`; a status the API adds later stays a str.

    Tolerant on purpose: a poller must not crash on a new intermediate state.
    """
    text = str(value)
    try:
        return BatchStatus(text)
    except ValueError:
        return text


def _file_id(value: Any) -> Optional[str]:
    """The API sometimes sends ``""`` for "no file": that is ``None`` here."""
    if value is None or value == "":
        return None
    return str(value)


@attrs.define
class BatchRequestCounts:
    total: int = 0
    completed: int = 0
    failed: int = 0


@attrs.define
class BatchErrorDetail:
    """One entry of ``errors.data``: why (part of) the input was refused."""

    code: Optional[str] = None
    message: Optional[str] = None
    param: Optional[str] = None
    line: Optional[int] = None


@attrs.define
class BatchErrors:
    object: str = "list"
    data: List[BatchErrorDetail] = attrs.field(factory=list)


@attrs.define
class Batch(ApiResult):
    """A batch as the API reports it; unknown fields stay in ``.raw``."""

    id: str
    status: str = attrs.field(converter=_status)
    input_file_id: str = ""
    endpoint: str = ""
    completion_window: str = "24h"
    object: str = "batch"
    created_at: int = 0
    output_file_id: Optional[str] = attrs.field(default=None, converter=_file_id)
    error_file_id: Optional[str] = attrs.field(default=None, converter=_file_id)
    errors: Optional[BatchErrors] = None
    request_counts: BatchRequestCounts = attrs.field(factory=BatchRequestCounts)
    metadata: Optional[Dict[str, str]] = None
    model: Optional[str] = None
    usage: Optional[Dict[str, Any]] = None
    in_progress_at: Optional[int] = None
    expires_at: Optional[int] = None
    finalizing_at: Optional[int] = None
    completed_at: Optional[int] = None
    failed_at: Optional[int] = None
    expired_at: Optional[int] = None
    cancelling_at: Optional[int] = None
    cancelled_at: Optional[int] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    #: The reply's HTTP headers (lower-case names); ``.rate_limits`` reads them.
    headers: Mapping[str, str] = library_field(factory=dict)

    @property
    def is_terminal(self) -> bool:
        return isinstance(self.status, BatchStatus) and self.status.is_terminal
