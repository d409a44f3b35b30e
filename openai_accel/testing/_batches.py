"""The emulator's Batch API: batches that move through the real statuses on a clock.

A batch's status is computed from the time since it was created and the
stage durations of :class:`BatchSettings` (all 0 by default: a batch is
``completed`` at its first poll), so nothing runs in the background. When a
batch reaches its end, every line of its input is executed through the
emulator's own endpoint logic (chat, embeddings, moderations) and written to
output and error files in the real line format, shuffled as the real ones are.

Tests steer it with ``emulator.batches`` (a :class:`BatchSettings`): per-line
failures, expiry with part done, a validation failure, slow stages, blank
``error_file_id``; and read ``emulator.files.uploads`` /
``emulator.batches.creations`` to prove a resumed job sent nothing twice.
"""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

import attrs

from . import _chat, _embeddings, _moderation
from . import _errors as err
from ._files import FileStore
from ._wire import random_alnum

ENDPOINTS = (
    "/v1/responses",
    "/v1/chat/completions",
    "/v1/embeddings",
    "/v1/completions",
    "/v1/moderations",
    "/v1/images/generations",
    "/v1/images/edits",
    "/v1/videos",
)


@attrs.define
class BatchSettings:
    """How the emulator's batches behave; set attributes on ``emulator.batches``."""

    validating_seconds: float = 0.0
    in_progress_seconds: float = 0.0
    finalizing_seconds: float = 0.0
    cancelling_seconds: float = 0.0
    #: Output and error files list lines in a seeded random order, like the real ones.
    shuffle: bool = True
    #: Lines with these custom ids fail with a 500 server_error.
    failing_custom_ids: FrozenSet[str] = frozenset()
    #: Expire instead of completing: only the first ``expire_after`` lines ran.
    expire: bool = False
    expire_after: int = 0
    #: Fail validation with these ``errors.data`` entries (code, message, line, param).
    validation_errors: Optional[List[Dict[str, Any]]] = None
    #: Send ``""`` instead of ``null`` for a missing output or error file.
    blank_file_ids: bool = False
    creations: int = 0

    def reset(self) -> None:
        fresh = BatchSettings()
        for field in attrs.fields(BatchSettings):
            setattr(self, field.name, getattr(fresh, field.name))


@attrs.define
class _Batch:
    wire: Dict[str, Any]
    settings: BatchSettings
    started: float
    lines: List[Dict[str, Any]] = attrs.field(factory=list)
    cancelled_at: Optional[float] = None
    done: bool = False


def _hex_id(rng: random.Random, digits: int = 32) -> str:
    """A seeded hex id, drawn in one call: 50,000 lines need 100,000 of them."""
    return format(rng.getrandbits(digits * 4), f"0{digits}x")


def _now() -> int:
    return int(time.time())


def _refuse_lines(data: bytes, endpoint: str) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Parse the input JSONL: the lines, and ``errors.data`` entries for bad ones."""
    lines: List[Dict[str, Any]] = []
    errors: List[Dict[str, Any]] = []
    seen: set = set()  # type: ignore[type-arg]
    for number, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError:
            errors.append(
                {
                    "code": "invalid_json_line",
                    "line": number,
                    "param": None,
                    "message": "This line is not parseable as valid JSON.",
                }
            )
            continue
        if not isinstance(line, dict) or not isinstance(line.get("body"), dict):
            errors.append(
                {
                    "code": "invalid_request",
                    "line": number,
                    "param": "body",
                    "message": "The request body must be a JSON object.",
                }
            )
            continue
        if line.get("url") != endpoint:
            errors.append(
                {
                    "code": "mismatched_endpoint",
                    "line": number,
                    "param": "url",
                    "message": f"The provided url '{line.get('url')}' does not match "
                    f"the batch endpoint '{endpoint}'.",
                }
            )
            continue
        custom_id = line.get("custom_id")
        if custom_id in seen:
            errors.append(
                {
                    "code": "duplicate_custom_id",
                    "line": number,
                    "param": "custom_id",
                    "message": f"The custom_id '{custom_id}' is used more than once.",
                }
            )
            continue
        seen.add(custom_id)
        lines.append(line)
    return lines, errors


def _execute(endpoint: str, body: Dict[str, Any], rng: random.Random) -> Dict[str, Any]:
    """Run one request through the emulator's endpoint logic; raises ``err.ApiError``."""
    if endpoint == "/v1/chat/completions":
        _chat.validate(body)
        plan = _chat.plan(body, rng)
        return _chat.completion_body(plan, "chatcmpl-" + _hex_id(rng, 29), _now())
    if endpoint == "/v1/embeddings":
        _embeddings.validate(body)
        return _embeddings.response_body(body)[0]
    if endpoint == "/v1/moderations":
        _moderation.validate(body)
        return _moderation.response_body(body, rng)
    raise err.ApiError(400, f"The emulator does not run {endpoint} requests in batches.")


def _output_line(custom_id: Any, status: int, body: Any, rng: random.Random) -> Dict[str, Any]:
    return {
        "id": "batch_req_" + _hex_id(rng),
        "custom_id": custom_id,
        "response": {"status_code": status, "request_id": _hex_id(rng), "body": body},
        "error": None,
    }


class BatchEngine:
    """Batches by id, their status on a clock, and their result files."""

    def __init__(self, files: FileStore, settings: BatchSettings, seed: int) -> None:
        self.files = files
        self.settings = settings
        self.lock = threading.Lock()
        self.batches: Dict[str, _Batch] = {}
        self.rng = random.Random(seed + 7)

    def reset(self) -> None:
        with self.lock:
            self.batches.clear()
        self.settings.reset()

    def _new_id(self, prefix: str) -> str:
        with self.lock:
            return prefix + _hex_id(self.rng, 24)

    def create(self, body: Any) -> Dict[str, Any]:
        err.check_body(
            body,
            ("input_file_id", "endpoint", "completion_window", "metadata", "output_expires_after"),
            ("input_file_id", "endpoint", "completion_window"),
        )
        endpoint = body["endpoint"]
        if endpoint not in ENDPOINTS:
            raise err.invalid_value("endpoint", endpoint, ENDPOINTS)
        if body["completion_window"] != "24h":
            raise err.invalid_value("completion_window", body["completion_window"], ["24h"])
        stored = self.files.get(str(body["input_file_id"]))
        if stored.purpose != "batch":
            raise err.ApiError(
                400, "The input file must have purpose 'batch'.", param="input_file_id"
            )
        lines, errors = _refuse_lines(stored.data, endpoint)
        settings = attrs.evolve(self.settings)
        if settings.validation_errors is not None:
            errors = list(settings.validation_errors)
        now = _now()
        wire: Dict[str, Any] = {
            "id": self._new_id("batch_"),
            "object": "batch",
            "endpoint": endpoint,
            "errors": {"object": "list", "data": errors} if errors else None,
            "input_file_id": stored.id,
            "completion_window": "24h",
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "created_at": now,
            "in_progress_at": None,
            "expires_at": now + 86400,
            "finalizing_at": None,
            "completed_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelling_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": body.get("metadata"),
        }
        batch = _Batch(wire, settings, time.monotonic(), lines)
        with self.lock:
            self.batches[wire["id"]] = batch
            self.settings.creations += 1
            created: Dict[str, Any] = json.loads(json.dumps(wire))
        return created  # "validating", as the real API answers a creation

    def _get(self, batch_id: str) -> _Batch:
        with self.lock:
            batch = self.batches.get(batch_id)
        if batch is None:
            raise err.ApiError(404, f"No batch found with id '{batch_id}'.", param="batch_id")
        return batch

    def cancel(self, batch_id: str) -> Dict[str, Any]:
        batch = self._get(batch_id)
        if batch.wire["status"] in ("completed", "failed", "expired", "cancelled"):
            raise err.ApiError(
                409, f"Cannot cancel a batch with status '{batch.wire['status']}'.", code=None
            )
        if batch.cancelled_at is None:
            batch.cancelled_at = time.monotonic()
            batch.wire["cancelling_at"] = _now()
        return self.view(batch_id)

    def page(self, after: Optional[str], limit: int) -> Tuple[List[Dict[str, Any]], bool]:
        with self.lock:
            ids = list(self.batches)[::-1]  # newest first
        if after is not None:
            ids = ids[ids.index(after) + 1 :] if after in ids else []
        return [self.view(i) for i in ids[:limit]], len(ids) > limit

    def _ran(self, batch: _Batch, elapsed: float) -> int:
        """How many lines have run after ``elapsed`` seconds (linear over in_progress)."""
        settings, total = batch.settings, len(batch.lines)
        running = elapsed - settings.validating_seconds
        if running <= 0:
            return 0
        if settings.in_progress_seconds <= 0 or running >= settings.in_progress_seconds:
            return total
        return int(total * running / settings.in_progress_seconds)

    def view(self, batch_id: str) -> Dict[str, Any]:
        """The batch as a poll sees it now (advancing its status)."""
        batch = self._get(batch_id)
        with self.lock:
            self._advance(batch)
            copied: Dict[str, Any] = json.loads(json.dumps(batch.wire))
            return copied

    def _advance(self, batch: _Batch) -> None:
        wire, settings = batch.wire, batch.settings
        if batch.done:
            return
        now = time.monotonic()
        elapsed = now - batch.started
        total = len(batch.lines)
        if wire["errors"] is not None:
            wire.update(status="failed", failed_at=_now())
            batch.done = True
            return
        if batch.cancelled_at is not None:
            ran = self._ran(batch, batch.cancelled_at - batch.started)
            if now - batch.cancelled_at < settings.cancelling_seconds:
                wire["status"] = "cancelling"
                return
            self._finish(batch, "cancelled", ran, missing_code=None)
            return
        if elapsed < settings.validating_seconds:
            return
        wire["request_counts"]["total"] = total
        wire["in_progress_at"] = wire["in_progress_at"] or _now()
        in_progress_end = settings.validating_seconds + settings.in_progress_seconds
        if elapsed < in_progress_end:
            wire["status"] = "in_progress"
            wire["request_counts"]["completed"] = self._ran(batch, elapsed)
            return
        if settings.expire:
            self._finish(batch, "expired", min(total, settings.expire_after), "batch_expired")
            return
        if elapsed < in_progress_end + settings.finalizing_seconds:
            wire["status"] = "finalizing"
            wire["finalizing_at"] = wire["finalizing_at"] or _now()
            wire["request_counts"]["completed"] = total
            return
        self._finish(batch, "completed", total, missing_code=None)

    def _finish(self, batch: _Batch, status: str, ran: int, missing_code: Optional[str]) -> None:
        """Run the first ``ran`` lines, write the files, and settle on ``status``."""
        settings, rng = batch.settings, self.rng
        outputs: List[Dict[str, Any]] = []
        failures: List[Dict[str, Any]] = []
        for line in batch.lines[:ran]:
            custom_id, body = line.get("custom_id"), line["body"]
            if custom_id in settings.failing_custom_ids:
                failures.append(_output_line(custom_id, 500, err.internal_error().body(), rng))
                continue
            try:
                reply = _execute(batch.wire["endpoint"], body, rng)
            except err.ApiError as error:
                failures.append(_output_line(custom_id, error.status, error.body(), rng))
                continue
            outputs.append(_output_line(custom_id, 200, reply, rng))
        if missing_code is not None:
            for line in batch.lines[ran:]:
                failures.append(
                    {
                        "id": "batch_req_" + _hex_id(rng),
                        "custom_id": line.get("custom_id"),
                        "response": None,
                        "error": {
                            "code": missing_code,
                            "message": "This request could not be executed before the "
                            "completion window expired.",
                        },
                    }
                )
        if settings.shuffle:
            rng.shuffle(outputs)
            rng.shuffle(failures)
        blank = "" if settings.blank_file_ids else None
        wire = batch.wire
        wire["output_file_id"] = self._store(outputs) or blank
        wire["error_file_id"] = self._store(failures) or blank
        failed = sum(1 for f in failures if f["response"] is not None)
        wire["request_counts"] = {
            "total": len(batch.lines),
            "completed": len(outputs),
            "failed": failed,
        }
        wire["status"] = status
        wire[f"{status}_at"] = _now()
        batch.done = True

    def _store(self, lines: List[Dict[str, Any]]) -> Optional[str]:
        if not lines:
            return None
        data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        file_id = "file-" + random_alnum(self.rng, 22)
        self.files.add(file_id, "batch_output.jsonl", "batch_output", data.encode("utf-8"))
        return file_id
