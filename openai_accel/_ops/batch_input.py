"""Turn the caller's requests into JSONL input files, checked, before anything is uploaded.

The requests are read exactly once and written straight to disk, split into
files within the Batch API's limits (50,000 lines, 200 MB). Each request's
``custom_id`` (given, or generated from its position) goes into an on-disk
SQLite index with its position and where its line starts: uniqueness is a
constraint there, the join of the unordered output files is a lookup there,
and results are read back in input order from there. Memory therefore stays
flat in the number of requests.
"""

from __future__ import annotations

import json
import os
import sqlite3
from typing import Any, Iterable, List, Optional, Tuple

import attrs

from ..errors import BatchInputError

__all__ = ["MAX_FILE_BYTES", "MAX_FILE_LINES", "InputPart", "open_index", "write_inputs"]

#: The Batch API's limits for one input file.
MAX_FILE_LINES = 50_000
MAX_FILE_BYTES = 200 * 1024 * 1024

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS inputs ("
    " position INTEGER PRIMARY KEY, custom_id TEXT NOT NULL UNIQUE,"
    " part INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS results ("
    " position INTEGER PRIMARY KEY, ok INTEGER NOT NULL, code TEXT, line TEXT NOT NULL)",
)


@attrs.define
class InputPart:
    index: int
    path: str
    lines: int = 0
    bytes: int = 0
    first: int = 0


def open_index(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    for statement in _SCHEMA:
        connection.execute(statement)
    return connection


def _split_request(item: Any, position: int) -> Tuple[str, Any]:
    """``(custom_id, body)`` from a body or a ``(custom_id, body)`` pair."""
    if isinstance(item, (tuple, list)) and len(item) == 2 and not isinstance(item, dict):
        custom_id, body = item
        if not isinstance(custom_id, str) or not custom_id:
            raise BatchInputError(
                f"request {position}: custom_id must be a non-empty string, got {custom_id!r:.80}",
                index=position,
            )
        return custom_id, body
    return f"request-{position}", item


def _line(custom_id: str, body: Any, endpoint: str, position: int) -> bytes:
    if not isinstance(body, dict):
        raise BatchInputError(
            f"request {position} ({custom_id!r}): the body must be a JSON object (a dict), "
            f"not {type(body).__name__}",
            index=position,
            custom_id=custom_id,
        )
    if body.get("stream"):
        raise BatchInputError(
            f"request {position} ({custom_id!r}): the Batch API cannot stream; remove 'stream'",
            index=position,
            custom_id=custom_id,
        )
    try:
        text: bytes = json.dumps(
            {"custom_id": custom_id, "method": "POST", "url": endpoint, "body": body},
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
        ).encode("utf-8")  # inside the try: a lone surrogate fails here (UnicodeEncodeError)
    except (TypeError, ValueError, RecursionError) as exc:
        raise BatchInputError(
            f"request {position} ({custom_id!r}): the body is not JSON-serialisable ({exc})",
            index=position,
            custom_id=custom_id,
        ) from exc
    return text + b"\n"


_Row = Tuple[int, str, int, int, int]

#: Index rows are inserted this many at a time (one ``executemany`` each).
_FLUSH_ROWS = 5_000


def _duplicate(connection: sqlite3.Connection, rows: List[_Row]) -> BatchInputError:
    """The first row of ``rows`` whose custom_id an earlier request already used."""
    for position, custom_id, *_ in rows:
        found = connection.execute(
            "SELECT position FROM inputs WHERE custom_id = ?", (custom_id,)
        ).fetchone()
        if found is not None and found[0] != position:
            return BatchInputError(
                f"request {position}: duplicate custom_id {custom_id!r} (first used by "
                f"request {found[0]}); ids must be unique",
                index=position,
                custom_id=custom_id,
            )
        if found is None:  # not inserted: the failing executemany stopped before it
            connection.execute(
                "INSERT OR IGNORE INTO inputs VALUES (?, ?, ?, ?, ?)", (position, custom_id, *_)
            )
    return BatchInputError("duplicate custom_id")  # unreachable: the constraint named one


class _Index:
    """The inputs table, filled in chunks; a duplicate is reported as the first one."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.pending: List[_Row] = []

    def add(self, row: _Row) -> None:
        self.pending.append(row)
        if len(self.pending) >= _FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        if not rows:
            return
        try:
            self.connection.executemany("INSERT INTO inputs VALUES (?, ?, ?, ?, ?)", rows)
        except sqlite3.IntegrityError:
            raise _duplicate(self.connection, rows) from None


def write_inputs(
    requests: Iterable[Any],
    endpoint: str,
    workdir: str,
    *,
    max_lines: int = MAX_FILE_LINES,
    max_bytes: int = MAX_FILE_BYTES,
) -> Tuple[List[InputPart], int]:
    """Write ``requests`` as JSONL parts in ``workdir``; return the parts and the total.

    Raises :class:`BatchInputError` for the first bad request (not a dict, a
    duplicate or empty ``custom_id``, not serialisable, too large, or no
    requests at all). The index is committed only when everything was written.
    """
    if isinstance(requests, (str, bytes, dict)):
        raise BatchInputError(
            f"requests must be an iterable of bodies or (custom_id, body) pairs, "
            f"not a single {type(requests).__name__}"
        )
    connection = open_index(os.path.join(workdir, "index.sqlite3"))
    index = _Index(connection)
    parts: List[InputPart] = []
    handle: Optional[Any] = None
    position = 0
    try:
        for position, item in enumerate(requests):
            try:
                custom_id, body = _split_request(item, position)
                line = _line(custom_id, body, endpoint, position)
                if len(line) > max_bytes:
                    raise BatchInputError(
                        f"request {position} ({custom_id!r}) is {len(line)} bytes as JSONL, "
                        f"over the {max_bytes}-byte input file limit",
                        index=position,
                        custom_id=custom_id,
                    )
            except BatchInputError:
                index.flush()  # a duplicate among the earlier requests is named first
                raise
            part = parts[-1] if parts else None
            if part is None or part.lines >= max_lines or part.bytes + len(line) > max_bytes:
                if handle is not None:
                    handle.close()
                part = InputPart(len(parts), f"input-{len(parts)}.jsonl", first=position)
                parts.append(part)
                handle = open(os.path.join(workdir, part.path), "wb")  # noqa: SIM115
            index.add((position, custom_id, part.index, part.bytes, len(line)))
            assert handle is not None
            handle.write(line)
            part.lines += 1
            part.bytes += len(line)
        index.flush()
        if not parts:
            raise BatchInputError("there are no requests to submit")
        if handle is not None:
            handle.flush()
            os.fsync(handle.fileno())
        connection.commit()
    finally:
        if handle is not None:
            handle.close()
        connection.close()
    return parts, sum(part.lines for part in parts)
