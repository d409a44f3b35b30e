"""The emulator's file store: ``/v1/files`` objects in the real wire format.

Pure bookkeeping behind a lock (the test's thread reads counters while the
server's loop writes); the HTTP side lives in ``_batch_routes``.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Optional, Tuple

import attrs

from . import _errors as err

PURPOSES = (
    "assistants",
    "assistants_output",
    "batch",
    "batch_output",
    "fine-tune",
    "fine-tune-results",
    "vision",
    "user_data",
)


@attrs.define
class StoredFile:
    id: str
    filename: str
    purpose: str
    data: bytes = attrs.field(repr=lambda d: f"<{len(d)} bytes>")
    created_at: int = 0
    sequence: int = 0

    def wire(self) -> Dict[str, Any]:
        return {
            "object": "file",
            "id": self.id,
            "purpose": self.purpose,
            "filename": self.filename,
            "bytes": len(self.data),
            "created_at": self.created_at,
            "expires_at": None,
            "status": "processed",
            "status_details": None,
        }


def not_found(file_id: str) -> err.ApiError:
    return err.ApiError(404, f"No such File object: {file_id}", param="id")


class FileStore:
    """Files by id, in upload order; ``uploads`` counts ``purpose=batch`` uploads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.files: Dict[str, StoredFile] = {}
        self.uploads = 0
        self._sequence = 0

    def reset(self) -> None:
        with self.lock:
            self.files.clear()
            self.uploads = 0

    def add(self, file_id: str, filename: str, purpose: str, data: bytes) -> StoredFile:
        with self.lock:
            self._sequence += 1
            stored = StoredFile(file_id, filename, purpose, data, int(time.time()), self._sequence)
            self.files[file_id] = stored
            if purpose == "batch":
                self.uploads += 1
            return stored

    def get(self, file_id: str) -> StoredFile:
        with self.lock:
            stored = self.files.get(file_id)
        if stored is None:
            raise not_found(file_id)
        return stored

    def delete(self, file_id: str) -> None:
        with self.lock:
            if self.files.pop(file_id, None) is None:
                raise not_found(file_id)

    def page(
        self, purpose: Optional[str], after: Optional[str], limit: int, order: str
    ) -> Tuple[List[StoredFile], bool]:
        """One page of the list: newest first (``order="desc"``, the default) after ``after``."""
        with self.lock:
            files = sorted(self.files.values(), key=lambda f: f.sequence, reverse=order != "asc")
        if purpose is not None:
            files = [f for f in files if f.purpose == purpose]
        if after is not None:
            ids = [f.id for f in files]
            files = files[ids.index(after) + 1 :] if after in ids else []
        return files[:limit], len(files) > limit


def validate_upload(form: Optional[Dict[str, Any]]) -> Tuple[str, str, bytes]:
    """``(filename, purpose, data)`` of an upload form, or the API's 400."""
    if form is None:
        raise err.ApiError(
            400, "Invalid Content-Type header, expected multipart/form-data.", param="file"
        )
    purpose = form.get("purpose")
    if not isinstance(purpose, str):
        raise err.missing_parameter("purpose")
    if purpose not in PURPOSES:
        raise err.invalid_value("purpose", purpose, PURPOSES)
    upload = form.get("file")
    data = getattr(upload, "data", None)
    if data is None:
        raise err.missing_parameter("file")
    if not data:
        raise err.ApiError(400, "File is empty.", param="file")
    return str(getattr(upload, "filename", None) or "upload"), purpose, bytes(data)
