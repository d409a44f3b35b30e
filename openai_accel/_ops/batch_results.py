"""Joining the unordered output files back to the input, and reading results in order.

Output lines are stored in the job's SQLite index under their request's
position (found by ``custom_id``); iterating :class:`BatchResults` walks the
index in position order with a cursor, so a million results cost the memory
of one.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import weakref
from typing import Any, AsyncIterator, Dict, Iterator, List, Mapping, Optional, Tuple

import attrs

from ..errors import BatchLineError, InvalidResponseError, OpenAIError, error_from_response
from .batch_input import open_index
from .batch_parsers import parse_body

__all__ = ["BatchItem", "BatchResults", "join_lines"]

_JOIN_CHUNK = 2_000


def join_lines(index_path: str, path: str) -> int:
    """Store every line of the downloaded file ``path`` under its request; returns the count.

    Idempotent (a line replaces an earlier copy), so a join interrupted by a
    kill is simply run again. Lines whose ``custom_id`` is not in this job
    are ignored.
    """
    connection = open_index(index_path)
    stored = 0
    try:
        with open(path, "rb") as handle:
            batch: List[Tuple[int, Optional[str], str, str]] = []
            for raw in handle:
                text = raw.decode("utf-8").strip()
                if text:
                    batch.append(_row(text))
                if len(batch) >= _JOIN_CHUNK:
                    stored += _store(connection, batch)
                    batch = []
            stored += _store(connection, batch)
        connection.commit()
    finally:
        connection.close()
    return stored


def _row(text: str) -> Tuple[int, Optional[str], str, str]:
    """``(ok, error code, line, custom_id)``: the summary kept beside the line."""
    try:
        line = json.loads(text)
        custom_id = line["custom_id"]
    except (ValueError, TypeError, KeyError) as exc:
        raise InvalidResponseError(f"a batch output line is malformed: {text[:200]!r}") from exc
    error = line.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    response = line.get("response")
    status = response.get("status_code") if isinstance(response, dict) else None
    ok = not error and isinstance(status, int) and 200 <= status < 300
    return int(ok), None if code is None else str(code), text, str(custom_id)


def _store(connection: sqlite3.Connection, lines: List[Tuple[int, Optional[str], str, str]]) -> int:
    before = connection.total_changes
    connection.executemany(
        "INSERT OR REPLACE INTO results (position, ok, code, line) "
        "SELECT position, ?, ?, ? FROM inputs WHERE custom_id = ?",
        lines,
    )
    return connection.total_changes - before


@attrs.define
class BatchItem:
    """One request's outcome: ``response`` (parsed like the direct call) or ``error``."""

    index: int
    custom_id: str
    response: Any = None
    error: Optional[OpenAIError] = None
    status_code: Optional[int] = None
    request_id: Optional[str] = None
    #: The output line as the API wrote it (None when there was none).
    raw: Optional[Dict[str, Any]] = attrs.field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.error is None


def _item_from_line(
    position: int, custom_id: str, endpoint: str, line: Mapping[str, Any]
) -> BatchItem:
    response = line.get("response") if isinstance(line.get("response"), dict) else None
    status = response.get("status_code") if response else None
    request_id = response.get("request_id") if response else None
    item = BatchItem(position, custom_id, status_code=status, request_id=request_id, raw=dict(line))
    error = line.get("error")
    if isinstance(error, dict) and (error.get("message") or error.get("code")):
        item.error = BatchLineError(
            str(error.get("message") or error.get("code")), code=error.get("code")
        )
        return item
    if response is None or not isinstance(status, int):
        item.error = InvalidResponseError(f"batch line {custom_id!r} has no response", body=line)
        return item
    body = response.get("body")
    if status >= 400:
        headers = {"x-request-id": request_id} if request_id else {}
        item.error = error_from_response(status, headers, json.dumps(body).encode("utf-8"))
        return item
    try:
        item.response = parse_body(endpoint, body, request_id)
    except OpenAIError as exc:
        item.error = exc
    return item


_MISSING_REASONS = {
    "expired": ("batch_expired", "the batch expired before this request was run"),
    "cancelled": ("batch_cancelled", "the batch was cancelled before this request was run"),
}


def _missing(position: int, custom_id: str, status: Optional[str]) -> BatchItem:
    code, message = _MISSING_REASONS.get(
        str(status), ("missing_result", f"the batch ({status}) returned no line for this request")
    )
    return BatchItem(position, custom_id, error=BatchLineError(message, code=code))


def _remove_tree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


class BatchResults:
    """Every request's :class:`BatchItem`, in input order, read from disk as you iterate.

    Iterate with ``for`` (or ``async for``) as often as you like. ``len()`` is
    the number of requests; ``succeeded`` / ``failed`` count the outcomes;
    ``unfinished()`` yields the ``(custom_id, body)`` of requests an expired
    or cancelled batch never ran, ready to be passed to ``run_batch`` again.
    A job without a job file keeps its work directory until the results are
    closed (or garbage-collected).
    """

    def __init__(
        self,
        *,
        index_path: str,
        workdir: str,
        endpoint: str,
        total: int,
        part_status: Mapping[int, Optional[str]],
        part_paths: Mapping[int, str],
        batch_ids: List[str],
        temporary: bool = False,
    ) -> None:
        self.endpoint = endpoint
        self.batch_ids = list(batch_ids)
        self._index_path = index_path
        self._workdir = workdir
        self._total = total
        self._part_status = dict(part_status)
        self._part_paths = dict(part_paths)
        self._finalizer = weakref.finalize(self, _remove_tree, workdir) if temporary else None

    def __len__(self) -> int:
        return self._total

    def _rows(self, query: str) -> Iterator[Tuple[Any, ...]]:
        connection = sqlite3.connect(self._index_path)
        try:
            yield from connection.execute(query)
        finally:
            connection.close()

    def __iter__(self) -> Iterator[BatchItem]:
        query = (
            "SELECT i.position, i.custom_id, i.part, r.line FROM inputs i "
            "LEFT JOIN results r ON r.position = i.position ORDER BY i.position"
        )
        for position, custom_id, part, line in self._rows(query):
            if line is None:
                yield _missing(position, custom_id, self._part_status.get(part))
            else:
                yield _item_from_line(position, custom_id, self.endpoint, json.loads(line))

    async def __aiter__(self) -> AsyncIterator[BatchItem]:
        for item in self:
            yield item

    def _count(self, condition: str) -> int:
        query = f"SELECT COUNT(*) FROM results WHERE {condition}"
        return int(next(self._rows(query))[0])

    @property
    def succeeded(self) -> int:
        """Requests that came back with a 2xx response."""
        return self._count("ok = 1")

    @property
    def failed(self) -> int:
        """Requests with an error (a failed line, or no line at all)."""
        return self._total - self.succeeded

    def unfinished(self) -> Iterator[Tuple[str, Dict[str, Any]]]:
        """``(custom_id, body)`` of every request that has no line or a ``batch_expired`` /
        ``batch_cancelled`` error: resubmit them with ``run_batch(results.unfinished())``."""
        query = (
            "SELECT i.custom_id, i.part, i.offset, i.length FROM inputs i "
            "LEFT JOIN results r ON r.position = i.position "
            "WHERE r.line IS NULL OR r.code IN ('batch_expired', 'batch_cancelled') "
            "ORDER BY i.position"
        )
        handles: Dict[int, Any] = {}
        try:
            for custom_id, part, offset, length in self._rows(query):
                handle = handles.get(part)
                if handle is None:
                    path = os.path.join(self._workdir, self._part_paths[part])
                    handle = handles[part] = open(path, "rb")  # noqa: SIM115
                handle.seek(offset)
                yield custom_id, json.loads(handle.read(length))["body"]
        finally:
            for handle in handles.values():
                handle.close()

    def write_jsonl(self, path: str) -> int:
        """Write one JSON line per request, in input order: ``custom_id`` and ``response``
        (the API's body) or ``error`` (``code`` and ``message``). Returns the count."""
        written = 0
        with open(path, "w", encoding="utf-8") as out:
            for item in self:
                record: Dict[str, Any] = {"custom_id": item.custom_id}
                if item.error is None and item.raw is not None:
                    record["response"] = item.raw["response"]["body"]
                else:
                    error = item.error
                    record["error"] = {
                        "code": getattr(error, "code", None),
                        "message": getattr(error, "message", str(error)),
                        "status_code": item.status_code,
                    }
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                written += 1
        return written

    def close(self) -> None:
        """Remove the temporary work directory of a job without a job file."""
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self) -> BatchResults:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<BatchResults {self._total} requests, batches {self.batch_ids}>"
