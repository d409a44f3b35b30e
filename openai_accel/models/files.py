"""Uploaded files (``FileObject``) and the reply to deleting one."""

from typing import Any, Dict, Mapping, Optional

import attrs

from ._base import library_field
from ._result import ApiResult


@attrs.define
class FileObject(ApiResult):
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
    #: The reply's HTTP headers (lower-case names); ``.rate_limits`` reads them.
    headers: Mapping[str, str] = library_field(factory=dict)


@attrs.define
class FileDeleted(ApiResult):
    id: str
    deleted: bool = False
    object: str = "file"
    raw: Dict[str, Any] = library_field(factory=dict)
    request_id: Optional[str] = library_field()
    #: The reply's HTTP headers (lower-case names); ``.rate_limits`` reads them.
    headers: Mapping[str, str] = library_field(factory=dict)
