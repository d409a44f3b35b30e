"""A streaming ``multipart/form-data`` body for audio uploads.

Transcription uploads can be large (the API accepts 25 MB, and callers send
whole recordings), so the body is produced in 64 KiB pieces straight from the
source and never assembled in memory. Its length is computed up front from
file sizes alone, so transports can send an exact ``Content-Length`` instead
of chunked encoding. Every call to :meth:`MultipartBody.chunks` starts again
from the first byte, which is what lets the retry policy re-send a failed
upload.

The file data comes from :class:`~.audio_source.AudioSource` objects, built
from bytes, a path or a binary file object by :func:`~.audio_source.audio_source`
(re-exported here with the rest of that module's public names, so callers can
keep importing everything upload-related from this module).
"""

from __future__ import annotations

import re
import secrets
from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union

import attrs

from .audio_source import (
    CHUNK_SIZE,
    AudioInput,
    AudioSource,
    audio_source,
    bad_audio,
    guess_content_type,
    sniff_audio_extension,
)

__all__ = [
    "CHUNK_SIZE",
    "AudioInput",
    "AudioSource",
    "FilePart",
    "MultipartBody",
    "audio_source",
    "guess_content_type",
    "sniff_audio_extension",
]

# RFC 2046 boundary characters (without the space, which may not end one).
_BOUNDARY_PATTERN = re.compile(r"[0-9A-Za-z'()+_,\-./:=?]{1,70}")


def _no_line_breaks(_instance: Any, attribute: Any, value: str) -> None:
    # A CR or LF would let the value end its header line and inject another.
    if "\r" in value or "\n" in value:
        raise ValueError(f"{attribute.name} must not contain line breaks: {value!r}")


@attrs.frozen
class FilePart:
    """One file field of the form."""

    field_name: str
    filename: str
    content_type: str = attrs.field(validator=_no_line_breaks)
    source: AudioSource

    @classmethod
    def from_source(cls, field_name: str, source: AudioSource) -> FilePart:
        """A part named and typed after its source."""
        return cls(field_name, source.filename, source.content_type, source)


def _quote(value: str) -> str:
    """A quoted-string parameter value as RFC 7578 section 4.2 asks browsers to send it.

    ``"``, CR and LF are percent-encoded so that a hostile or odd file name
    can neither end the quoted string nor the header line; anything else
    (including non-ASCII) is sent as UTF-8.
    """
    escaped = value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    return f'"{escaped}"'


class MultipartBody:
    """A ``multipart/form-data`` body implementing the ``StreamingBody`` protocol.

    ``fields`` are ``(name, value)`` pairs sent in order before the files (an
    array is the caller's repeated ``name[]`` pairs). The boundary is random
    per body, so file content cannot accidentally contain it.
    """

    def __init__(
        self,
        fields: Sequence[Tuple[str, str]] = (),
        files: Sequence[FilePart] = (),
        *,
        boundary: Optional[str] = None,
    ) -> None:
        if boundary is None:
            boundary = "openai-accel-" + secrets.token_hex(16)
        elif not _BOUNDARY_PATTERN.fullmatch(boundary):
            raise ValueError(f"invalid multipart boundary: {boundary!r}")
        self._boundary = boundary
        self._files = list(files)
        delimiter = f"--{boundary}\r\n"
        # Precomputed text between the files: only the audio is read lazily.
        text: List[str] = []
        for name, value in fields:
            if not isinstance(value, str):
                raise TypeError(f"form field {name!r} must be a str, not {type(value).__name__}")
            text.append(
                f"{delimiter}Content-Disposition: form-data; name={_quote(name)}\r\n\r\n{value}\r\n"
            )
        segments: List[Union[bytes, AudioSource]] = []
        for part in self._files:
            text.append(
                f"{delimiter}Content-Disposition: form-data; name={_quote(part.field_name)}; "
                f"filename={_quote(part.filename)}\r\nContent-Type: {part.content_type}\r\n\r\n"
            )
            segments.append("".join(text).encode("utf-8"))
            segments.append(part.source)
            text = ["\r\n"]
        text.append(f"--{boundary}--\r\n")
        segments.append("".join(text).encode("utf-8"))
        self._segments = segments
        self._length = sum(
            len(segment) if isinstance(segment, bytes) else segment.length for segment in segments
        )

    @property
    def boundary(self) -> str:
        return self._boundary

    @property
    def content_type(self) -> str:
        """The request's ``Content-Type`` header value (it carries the boundary)."""
        return f"multipart/form-data; boundary={self._boundary}"

    @property
    def content_length(self) -> int:
        """The exact body size, known without reading any file."""
        return self._length

    def total_length(self) -> int:
        """Same as :attr:`content_length`: what ``len(b"".join(self.chunks()))`` will be."""
        return self._length

    @property
    def rewindable(self) -> bool:
        """Whether :meth:`chunks` can be called again (for a retry)."""
        return all(part.source.rewindable for part in self._files)

    def chunks(self) -> Iterator[bytes]:
        """The whole body from its first byte; a fresh pass on every call."""
        for segment in self._segments:
            if isinstance(segment, bytes):
                yield segment
                continue
            sent = 0
            for piece in segment.chunks():
                sent += len(piece)
                yield piece
            if sent != segment.length:
                # A custom source broke its promise; the Content-Length is already out.
                raise bad_audio(
                    f"audio {segment.filename!r} produced {sent} bytes, expected {segment.length}"
                )

    def close(self) -> None:
        """Release temporary copies made for non-seekable streams."""
        for part in self._files:
            part.source.close()

    def __repr__(self) -> str:
        names = ", ".join(repr(part.filename) for part in self._files)
        return f"<MultipartBody {self._length} bytes, files [{names}]>"
