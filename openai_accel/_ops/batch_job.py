"""A batch job's state on disk: what was prepared, uploaded, created and collected.

The job file is JSON, replaced atomically (the ``WriteFile`` effect) after
every step that changed something the server knows about, so a process killed
at any moment can be resumed. Before a step that creates something remotely
(an upload, a batch) the *intent* is recorded with a marker the server keeps
(the upload's file name, the batch's metadata): resuming after a kill in the
window between "request sent" and "id recorded" first looks for that marker
instead of creating a second copy.

The job is bound to a fingerprint of the base URL and API key (a hash, never
the key itself): resuming with another account or server is refused, since
its file and batch ids would mean nothing there.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Dict, List, Optional

import attrs

from .._core.context import ClientCore
from .._core.effects import Flow, write_file
from ..errors import BatchJobError

__all__ = ["JOB_FORMAT", "JobState", "PartState", "client_fingerprint", "load_job", "save_job"]

JOB_FORMAT = "openai_accel.batch_job/1"


@attrs.define
class PartState:
    """One input file and the batch running it."""

    index: int
    #: The JSONL file, relative to the job's work directory.
    path: str
    lines: int
    bytes: int
    #: Input position of the part's first request.
    first: int
    #: The name the upload gets on the server: how a lost upload is found again.
    marker: str
    upload_started: bool = False
    file_id: Optional[str] = None
    create_started: bool = False
    batch_id: Optional[str] = None
    status: Optional[str] = None
    completed: int = 0
    failed: int = 0
    output_joined: bool = False
    errors_joined: bool = False
    finished: bool = False
    errors: List[Dict[str, Any]] = attrs.field(factory=list)


@attrs.define
class JobState:
    job_id: str
    fingerprint: str
    endpoint: str
    completion_window: str
    created_at: float
    total: int
    workdir: str
    parts: List[PartState]
    metadata: Dict[str, str] = attrs.field(factory=dict)
    format: str = JOB_FORMAT
    #: Where the state is saved (None: a job without a file, not resumable).
    path: Optional[str] = attrs.field(default=None, metadata={"transient": True})

    @property
    def index_path(self) -> str:
        return os.path.join(self.workdir, "index.sqlite3")

    def part_path(self, part: PartState) -> str:
        return os.path.join(self.workdir, part.path)

    def to_bytes(self) -> bytes:
        data = attrs.asdict(self, filter=lambda a, _v: not a.metadata.get("transient"))
        return json.dumps(data, indent=1, sort_keys=True).encode("utf-8")


def client_fingerprint(ctx: ClientCore) -> str:
    """A hash of base URL and key: equal for the same account and server, and not reversible."""
    key = ctx.config.api_key
    secret = key.reveal() if key is not None else ""
    digest = hashlib.sha256(f"openai_accel batch\n{ctx.config.base_url}\n{secret}".encode())
    return digest.hexdigest()[:32]


def save_job(state: JobState) -> Flow[None]:
    if state.path is not None:
        yield from write_file(state.path, state.to_bytes())


def _corrupt(path: str, why: str) -> BatchJobError:
    return BatchJobError(f"the batch job file {path} is not usable: {why}", path=path)


def _structure_job(data: Any, path: str) -> JobState:
    if not isinstance(data, dict) or data.get("format") != JOB_FORMAT:
        raise _corrupt(path, "it is not an openai_accel batch job (format missing or unknown)")
    try:
        parts = [PartState(**part) for part in data["parts"]]
        fields = {k: v for k, v in data.items() if k != "parts"}
        state = JobState(parts=parts, **fields)
    except (KeyError, TypeError, ValueError) as exc:
        raise _corrupt(path, f"a field is missing or unexpected ({exc})") from exc
    if not all(isinstance(p.path, str) and p.lines >= 0 for p in state.parts) or not state.parts:
        raise _corrupt(path, "its parts are malformed")
    return state


def load_job(path: str, fingerprint: str) -> JobState:
    """Read and check a job file; every problem is a :class:`BatchJobError` naming it."""
    target = os.path.abspath(os.fsdecode(os.fspath(path)))
    try:
        with open(target, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError as exc:
        raise BatchJobError(
            f"no batch job file at {target} (was the job started with job=...?)", path=target
        ) from exc
    except OSError as exc:
        raise _corrupt(target, str(exc)) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise _corrupt(target, f"it is not valid JSON ({exc})") from exc
    state = _structure_job(data, target)
    if state.fingerprint != fingerprint:
        raise BatchJobError(
            f"the batch job {target} was made for another API key or base URL; "
            "resume it with the client that started it",
            path=target,
        )
    state.path = target
    missing = [p.path for p in state.parts if not os.path.isfile(state.part_path(p))]
    if not os.path.isfile(state.index_path) or missing:
        raise _corrupt(target, f"its work directory {state.workdir} is incomplete")
    return state
