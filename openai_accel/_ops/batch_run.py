"""``run_batch`` / ``resume_batch``: a whole Batch API job as one flow.

prepare (input -> checked JSONL parts + index, job file) -> per part: upload,
create -> poll with growing waits until every batch is terminal -> download
error and output files -> join -> :class:`BatchResults` in input order.

Every remote call goes through the normal pipeline (retries, breaker, queue,
metrics); waits are ``Sleep`` effects; the job file is written with the
``WriteFile`` effect after each step, so resuming is running the same flow
from the state on disk. Local work on the job's own directory (JSONL, the
SQLite index) is identical for both clients and happens in the flow.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import time
from typing import Any, Iterable, Mapping, Optional, Union

from .._core.context import ClientCore
from .._core.effects import Flow, sleep
from ..errors import BatchFailedError, BatchInputError, BatchJobError, InvalidResponseError
from ..models.batch import Batch, BatchStatus
from ..models.files import FileObject
from .batch_api import check_endpoint, create_batch, retrieve_batch
from .batch_input import write_inputs
from .batch_job import JobState, PartState, client_fingerprint, load_job, save_job
from .batch_progress import BatchProgress, ProgressArg, Reporter, make_reporter
from .batch_results import BatchResults, join_lines
from .files import download_to, fetch_page, upload_file

__all__ = ["PollSchedule", "resume_batch", "run_batch"]

PathArg = Union[str, "os.PathLike[str]"]

#: A lost batch is looked for among batches created at most this long before the job.
_LOOKUP_SLACK = 3600.0


class PollSchedule:
    """Waits between status checks: ``initial``, growing x1.5 up to ``cap``; back to
    ``initial`` whenever the counts moved (the batch is running: look again soon)."""

    def __init__(self, poll_interval: Optional[float]) -> None:
        if poll_interval is not None and not poll_interval > 0:
            raise ValueError(f"poll_interval must be a positive number, got {poll_interval!r}")
        self.initial = 2.0 if poll_interval is None else float(poll_interval)
        self.cap = (
            60.0 if poll_interval is None else max(self.initial, min(60.0, 10 * self.initial))
        )
        self._next = self.initial

    def next(self, progressed: bool) -> float:
        if progressed:
            self._next = self.initial
        wait = self._next
        self._next = min(self.cap, self._next * 1.5)
        return wait


def _report(reporter: Optional[Reporter], state: JobState, stage: str) -> None:
    if reporter is None:
        return
    reporter(
        BatchProgress(
            stage=stage,
            total=state.total,
            completed=sum(p.completed for p in state.parts),
            failed=sum(p.failed for p in state.parts),
            batches=len(state.parts),
            batches_finished=sum(1 for p in state.parts if p.finished),
        )
    )


def _path_of(job: PathArg) -> str:
    return os.path.abspath(os.fsdecode(os.fspath(job)))


def _prepare(
    requests: Iterable[Any],
    endpoint: str,
    job: Optional[PathArg],
    fingerprint: str,
    completion_window: str,
    metadata: Optional[Mapping[str, str]],
) -> JobState:
    if job is None:
        path = None
        workdir = tempfile.mkdtemp(prefix="openai-accel-batch-")
    else:
        path = _path_of(job)
        if os.path.exists(path):
            raise BatchJobError(
                f"the batch job file {path} already exists: continue it with "
                "resume_batch(job), or choose another path",
                path=path,
            )
        workdir = path + ".d"
        # No job file means nothing was uploaded: a directory left by a run killed
        # while writing its input is stale and safe to replace.
        shutil.rmtree(workdir, ignore_errors=True)
        os.makedirs(workdir)
    job_id = f"job_{secrets.token_hex(8)}"
    try:
        parts, total = write_inputs(requests, endpoint, workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return JobState(
        job_id=job_id,
        fingerprint=fingerprint,
        endpoint=endpoint,
        completion_window=completion_window,
        created_at=time.time(),
        total=total,
        workdir=workdir,
        parts=[
            PartState(
                index=p.index,
                path=p.path,
                lines=p.lines,
                bytes=p.bytes,
                first=p.first,
                marker=f"openai-accel-{job_id}-part{p.index}.jsonl",
            )
            for p in parts
        ],
        metadata=dict(metadata or {}),
        path=path,
    )


def _find_upload(ctx: ClientCore, part: PartState) -> Flow[Optional[FileObject]]:
    """The upload of ``part`` if a previous run sent it but did not live to record its id."""
    after: Optional[str] = None
    query = {"purpose": "batch", "limit": 10_000}
    while True:
        files, after = yield from fetch_page(ctx, "file_list", FileObject, query, after)
        for found in files:
            if found.filename == part.marker and found.bytes in (0, part.bytes):
                return found
        if after is None:
            return None


def _job_tags(state: JobState, part: PartState) -> dict:  # type: ignore[type-arg]
    return {"openai_accel_job": state.job_id, "openai_accel_part": str(part.index)}


def _find_batch(ctx: ClientCore, state: JobState, part: PartState) -> Flow[Optional[Batch]]:
    """The batch created for ``part`` by a previous run that died before recording it."""
    tags = _job_tags(state, part)
    after: Optional[str] = None
    while True:
        batches, after = yield from fetch_page(ctx, "batch_list", Batch, {"limit": 100}, after)
        for batch in batches:
            meta = batch.metadata or {}
            if all(meta.get(k) == v for k, v in tags.items()):
                return batch
            if batch.created_at and batch.created_at < state.created_at - _LOOKUP_SLACK:
                return None  # newest first: everything further is older than the job
        if after is None:
            return None


def _ensure_uploaded(ctx: ClientCore, state: JobState, part: PartState) -> Flow[None]:
    if part.file_id is not None:
        return
    if part.upload_started:
        found = yield from _find_upload(ctx, part)
        if found is not None:
            part.file_id = found.id
            yield from save_job(state)
            return
    part.upload_started = True
    yield from save_job(state)
    uploaded = yield from upload_file(
        ctx, state.part_path(part), purpose="batch", filename=part.marker
    )
    part.file_id = uploaded.id
    yield from save_job(state)


def _ensure_created(ctx: ClientCore, state: JobState, part: PartState) -> Flow[None]:
    if part.batch_id is not None:
        return
    assert part.file_id is not None
    if part.create_started:
        found = yield from _find_batch(ctx, state, part)
        if found is not None:
            part.batch_id = found.id
            yield from save_job(state)
            return
    part.create_started = True
    yield from save_job(state)
    batch = yield from create_batch(
        ctx,
        part.file_id,
        endpoint=state.endpoint,
        completion_window=state.completion_window,
        metadata={**state.metadata, **_job_tags(state, part)},
    )
    part.batch_id = batch.id
    part.status = str(batch.status)
    yield from save_job(state)


def _observe(part: PartState, batch: Batch) -> bool:
    """Record a poll; True when the counts or the status moved."""
    counts = batch.request_counts
    before = (part.status, part.completed, part.failed)
    part.status = str(batch.status)
    part.completed = max(part.completed, counts.completed)
    part.failed = max(part.failed, counts.failed)
    return before != (part.status, part.completed, part.failed)


def _failure(part: PartState, batch_id: str) -> BatchFailedError:
    errors = part.errors
    shown = "; ".join(
        f"{e.get('code') or 'error'}: {e.get('message') or ''}"
        + (f" (line {e['line']})" if e.get("line") is not None else "")
        for e in errors[:3]
    )
    more = f" and {len(errors) - 3} more" if len(errors) > 3 else ""
    return BatchFailedError(
        f"batch {batch_id} (input part {part.index}) failed: {shown or 'no reason given'}{more}",
        batch_id=batch_id,
        errors=errors,
    )


def _collect(ctx: ClientCore, state: JobState, part: PartState, file_id: str) -> Flow[None]:
    """Download one result file to the work directory and join it into the index."""
    target = os.path.join(state.workdir, f"download-{part.index}-{file_id}.jsonl")
    with open(target, "wb") as handle:
        yield from download_to(ctx, file_id, handle.write, None)
    try:
        join_lines(state.index_path, target)
    finally:
        os.remove(target)


def _finish(
    ctx: ClientCore, state: JobState, part: PartState, batch: Batch, reporter: Optional[Reporter]
) -> Flow[None]:
    if batch.status == BatchStatus.FAILED:
        part.errors = [
            {"code": e.code, "message": e.message, "param": e.param, "line": e.line}
            for e in (batch.errors.data if batch.errors is not None else [])
        ]
        part.finished = True
        yield from save_job(state)
        raise _failure(part, batch.id)
    _report(reporter, state, "downloading")
    if batch.error_file_id and not part.errors_joined:
        yield from _collect(ctx, state, part, batch.error_file_id)
        part.errors_joined = True
        yield from save_job(state)
    if batch.output_file_id and not part.output_joined:
        yield from _collect(ctx, state, part, batch.output_file_id)
        part.output_joined = True
        yield from save_job(state)
    part.finished = True
    yield from save_job(state)


def _drive(
    ctx: ClientCore,
    state: JobState,
    poll_interval: Optional[float],
    reporter: Optional[Reporter],
) -> Flow[BatchResults]:
    schedule = PollSchedule(poll_interval)
    for part in state.parts:
        if part.finished:
            continue
        _report(reporter, state, "uploading")
        yield from _ensure_uploaded(ctx, state, part)
        yield from _ensure_created(ctx, state, part)
    _report(reporter, state, "submitted")
    for part in state.parts:
        if part.finished and part.status == BatchStatus.FAILED.value:
            raise _failure(part, str(part.batch_id))
    while True:
        pending = [part for part in state.parts if not part.finished]
        if not pending:
            break
        progressed = False
        for part in pending:
            batch = yield from retrieve_batch(ctx, str(part.batch_id))
            if batch.id != part.batch_id:
                raise InvalidResponseError(f"asked for batch {part.batch_id}, got {batch.id}")
            progressed = _observe(part, batch) or progressed
            if batch.is_terminal:
                yield from _finish(ctx, state, part, batch, reporter)
                progressed = True
        if progressed:
            yield from save_job(state)
        _report(reporter, state, "running")
        if any(not part.finished for part in state.parts):
            yield from sleep(schedule.next(progressed))
    _report(reporter, state, "done")
    return BatchResults(
        index_path=state.index_path,
        workdir=state.workdir,
        endpoint=state.endpoint,
        total=state.total,
        part_status={p.index: p.status for p in state.parts},
        part_paths={p.index: p.path for p in state.parts},
        batch_ids=[str(p.batch_id) for p in state.parts],
        temporary=state.path is None,
    )


def run_batch(
    ctx: ClientCore,
    /,
    requests: Iterable[Any],
    *,
    endpoint: str = "/v1/chat/completions",
    job: Optional[PathArg] = None,
    poll_interval: Optional[float] = None,
    progress: ProgressArg = None,
    completion_window: str = "24h",
    metadata: Optional[Mapping[str, str]] = None,
) -> Flow[BatchResults]:
    """Run ``requests`` through the Batch API and return their results in input order.

    ``requests`` is any iterable of request bodies (dicts) or ``(custom_id,
    body)`` pairs; it is read once, checked and written to JSONL files on disk
    (split within 50,000 lines and 200 MB), then uploaded. Missing custom ids
    are generated (``request-<position>``). A bad request (not a dict, a
    duplicate id, not serialisable) raises ``BatchInputError`` naming it, and
    an endpoint the Batch API does not serve raises ``BadRequestError``,
    before anything is uploaded.

    With ``job=path`` the job's state is kept in that file (and its work
    directory ``path + ".d"``), so ``resume_batch(path)`` continues after a
    crash without uploading or creating anything twice. ``poll_interval`` is
    the first wait between status checks (growing up to 10x while nothing
    moves; default 2 s growing to 60 s). ``progress=True`` draws a progress
    bar (tqdm) on a terminal; a callable receives ``BatchProgress`` events.

    The result is a ``BatchResults``: iterate it for ``BatchItem``s whose
    ``response`` is parsed like the direct call (``ChatResponse`` for chat,
    vectors for embeddings) or whose ``error`` says why a request failed
    (including ``batch_expired`` / ``batch_cancelled``). A batch the API
    rejects raises ``BatchFailedError`` naming its first errors.
    """
    endpoint = check_endpoint(endpoint)
    if not isinstance(completion_window, str) or not completion_window:
        raise BatchInputError("completion_window must be a string such as '24h'")
    reporter = make_reporter(progress)
    fingerprint = client_fingerprint(ctx)
    state = _prepare(requests, endpoint, job, fingerprint, completion_window, metadata)
    _report(reporter, state, "preparing")
    try:
        yield from save_job(state)
        return (yield from _drive(ctx, state, poll_interval, reporter))
    except BaseException:
        if state.path is None:  # no job file: nothing could resume it, keep nothing
            shutil.rmtree(state.workdir, ignore_errors=True)
        raise


def resume_batch(
    ctx: ClientCore,
    /,
    job: PathArg,
    *,
    poll_interval: Optional[float] = None,
    progress: ProgressArg = None,
) -> Flow[BatchResults]:
    """Continue the job kept in ``job`` (see ``run_batch``) after a crash or a kill.

    Nothing already uploaded or created is sent again: a step that was
    interrupted after its request went out is found on the server by its
    marker (file name, batch metadata) first. A job file that is corrupt, or
    was made with another API key or base URL, raises ``BatchJobError``
    before any request. Returns the same ``BatchResults`` as ``run_batch``.
    """
    state = load_job(_path_of(job), client_fingerprint(ctx))
    return (yield from _drive(ctx, state, poll_interval, make_reporter(progress)))
