"""Uploaded files (``FileObject``) and the reply to deleting one."""

from typing import Any, Dict, Optional

import attrs

from ._base import library_field


@attrs.define
class FileObject:
    """A file stored by the API (``/v1/files``); unknown fields stay in ``.raw``."""

    id: str
    bytes: int = 0
    created_at: int = 0
    filename: str = ""
    purpose: str = ""
    object: str = "file"
    status: Optional[str] = None
    status_details: Optional[str] = None
    expires_at: Optional[int] = None
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()


@attrs.define
class FileDeleted:
    id: str
    deleted: bool = False
    object: str = "file"
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
