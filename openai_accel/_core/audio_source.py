"""Audio (or any file) to upload, read from bytes, a path or a binary file object.

Audio arrives as bytes, a path or a binary file object (:func:`audio_source`).
The API picks the decoder from the file name's extension, so when none is
known the format is sniffed from the first bytes. Problems that would make
the upload fail anyway (a missing file, a text-mode stream, empty audio) raise
:class:`~openai_accel.errors.BadRequestError` before anything is sent.

This is separate from :mod:`.multipart`, which builds the request body:
reading an input (sniffing its format, naming and typing it, measuring it,
copying a non-seekable stream to a temporary file) is a job of its own, and
the body needs from a source only its name, content type, exact length and
a fresh pass over its bytes.
"""

from __future__ import annotations

import abc
import copy
import io
import mimetypes
import os
import tempfile
from typing import IO, Any, Iterator, Optional, Union

from ..errors import BadRequestError

__all__ = [
    "CHUNK_SIZE",
    "AudioInput",
    "AudioSource",
    "audio_source",
    "bad_audio",
    "guess_content_type",
    "sniff_audio_extension",
]

#: Largest piece of file data a body yields at once (and the read size).
CHUNK_SIZE = 64 * 1024

#: A non-seekable stream is copied to a temporary file so it can be measured and
#: re-sent; this much of it stays in memory before the copy moves to disk.
SPOOL_MEMORY_LIMIT = 8 * 1024 * 1024

_SNIFF_BYTES = 16

# Explicit because ``mimetypes`` depends on the platform's tables, and the
# server is stricter about some of these than the system defaults.
_AUDIO_CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".mpga": "audio/mpeg",
    ".mpeg": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".webm": "audio/webm",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
    ".aac": "audio/aac",
}


def sniff_audio_extension(head: bytes) -> Optional[str]:
    """The file extension (with its dot) for audio starting with ``head``, if recognised.

    Only the formats the transcription API accepts are recognised; 16 bytes
    are enough for all of them.
    """
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return ".wav"
    if head[:4] == b"fLaC":
        return ".flac"
    if head[:4] == b"OggS":
        return ".ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3":  # EBML, the container WebM uses
        return ".webm"
    if head[4:8] == b"ftyp":
        return ".m4a" if head[8:11] in (b"M4A", b"M4B", b"M4P") else ".mp4"
    if head[:3] == b"ID3":
        return ".mp3"
    # MPEG audio frame sync: 11 set bits, and a layer field of 00 would be
    # ADTS AAC rather than MP3.
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return ".mp3"
    return None


def guess_content_type(filename: str) -> str:
    """The part's ``Content-Type`` from the file name's extension."""
    extension = os.path.splitext(filename)[1].lower()
    known = _AUDIO_CONTENT_TYPES.get(extension)
    if known is not None:
        return known
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _complete_filename(name: Optional[str], head: bytes) -> str:
    """``name`` as given when it has an extension, else one sniffed from ``head``."""
    if name and os.path.splitext(name)[1]:
        return name
    extension = sniff_audio_extension(head)
    if name:
        return name + extension if extension else name
    return "audio" + (extension or ".bin")


def bad_audio(message: str) -> BadRequestError:
    return BadRequestError(message, param="file")


class AudioSource(abc.ABC):
    """Audio to upload: a name, a content type, a known length, re-readable bytes.

    Build one with :func:`audio_source`. Sources made there are always
    ``rewindable``; the flag exists for custom sources that can only be read
    once, so a retry policy can refuse to re-send them.
    """

    def __init__(self, filename: str, content_type: Optional[str] = None) -> None:
        self.filename = filename
        self.content_type = content_type or guess_content_type(filename)

    @property
    @abc.abstractmethod
    def length(self) -> int:
        """Exactly how many bytes :meth:`chunks` yields."""

    @property
    def rewindable(self) -> bool:
        return True

    @abc.abstractmethod
    def chunks(self) -> Iterator[bytes]:
        """The whole audio from its first byte, at most :data:`CHUNK_SIZE` bytes at a time."""

    def close(self) -> None:  # noqa: B027 - most sources own nothing to release
        """Release anything the source owns (never a file object the caller passed in)."""

    def renamed(self, filename: str) -> AudioSource:
        """A copy uploaded under another name (and that name's content type)."""
        clone = copy.copy(self)
        clone.filename = filename
        clone.content_type = guess_content_type(filename)
        return clone

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.filename!r} {self.length} bytes>"


class _BytesSource(AudioSource):
    def __init__(self, data: bytes, filename: str) -> None:
        super().__init__(filename)
        self._data = data

    @property
    def length(self) -> int:
        return len(self._data)

    def chunks(self) -> Iterator[bytes]:
        view = memoryview(self._data)
        for start in range(0, len(view), CHUNK_SIZE):
            yield bytes(view[start : start + CHUNK_SIZE])


def _read_exactly(read: Any, length: int, what: str) -> Iterator[bytes]:
    """Yield ``length`` bytes from ``read`` in pieces; fail if the source runs short.

    The length was promised in ``Content-Length`` before the first byte went
    out, so a source that shrank must fail the request rather than send a
    body the server would misparse. Extra bytes (a file still being written)
    are not sent: the upload is the audio as it was measured.
    """
    remaining = length
    while remaining > 0:
        piece = read(min(CHUNK_SIZE, remaining))
        if isinstance(piece, str):
            raise bad_audio(f"{what} must be opened in binary mode")
        if not piece:
            raise bad_audio(
                f"{what} ended after {length - remaining} of {length} bytes during the upload"
            )
        remaining -= len(piece)
        yield bytes(piece)


class _PathSource(AudioSource):
    """A file on disk, reopened for every pass so each retry reads it afresh."""

    def __init__(self, path: str, size: int, filename: str) -> None:
        super().__init__(filename)
        self._path = path
        self._size = size

    @property
    def length(self) -> int:
        return self._size

    def chunks(self) -> Iterator[bytes]:
        try:
            handle = open(self._path, "rb")  # noqa: SIM115 - closed in the finally below
        except OSError as exc:
            raise bad_audio(f"audio file could not be read: {self._path} ({exc})") from exc
        try:
            yield from _read_exactly(handle.read, self._size, f"audio file {self._path}")
        finally:
            handle.close()


class _FileObjectSource(AudioSource):
    """A seekable binary file object, rewound to where it started for every pass."""

    def __init__(
        self, stream: IO[bytes], start: int, size: int, filename: str, *, owned: bool = False
    ) -> None:
        super().__init__(filename)
        self._stream = stream
        self._start = start
        self._size = size
        self._owned = owned

    @property
    def length(self) -> int:
        return self._size

    def chunks(self) -> Iterator[bytes]:
        self._stream.seek(self._start)
        yield from _read_exactly(self._stream.read, self._size, "audio file object")

    def close(self) -> None:
        if self._owned:
            self._stream.close()


#: Everything :func:`audio_source` accepts.
AudioInput = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]", IO[bytes], AudioSource]


def audio_source(audio: AudioInput, filename: Optional[str] = None) -> AudioSource:
    """Wrap ``audio`` for upload without reading a file into memory.

    - bytes-like: copied once (a ``bytearray`` changed between retries would
      otherwise corrupt the body); named ``filename`` or ``audio.<sniffed>``,
      ``audio.bin`` when the format is not recognised.
    - a path (``str`` / ``os.PathLike``): named after the file, measured with
      ``stat``, reopened and read in 64 KiB pieces on every pass.
    - a binary file object: named from ``filename`` or its ``.name``; sent
      from its current position, and rewound there for every pass. A
      non-seekable stream (a pipe, a socket) is copied once to a temporary
      file - bounded memory, spilling to disk - because its length must be
      known and a retry must be able to send it again.

    A name without an extension gets the sniffed one, since the server
    decides the format from the extension. Raises ``BadRequestError``
    (``param="file"``) for a missing or unreadable file, a closed or
    text-mode stream, or empty audio.
    """
    if isinstance(audio, AudioSource):
        return audio.renamed(filename) if filename else audio
    if isinstance(audio, (bytes, bytearray, memoryview)):
        data = audio if isinstance(audio, bytes) else memoryview(audio).tobytes()
        if not data:
            raise bad_audio("audio is empty")
        return _BytesSource(data, _complete_filename(filename, data[:_SNIFF_BYTES]))
    if isinstance(audio, (str, os.PathLike)):
        return _path_source(os.fsdecode(os.fspath(audio)), filename)
    if callable(getattr(audio, "read", None)):
        return _file_object_source(audio, filename)
    raise TypeError(
        f"audio must be bytes, a path or a binary file object, not {type(audio).__name__}"
    )


def _path_source(path: str, filename: Optional[str]) -> AudioSource:
    if not os.path.exists(path):
        raise bad_audio(f"audio file not found: {path}")
    if not os.path.isfile(path):
        raise bad_audio(f"audio path is not a regular file: {path}")
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise bad_audio(f"audio file could not be read: {path} ({exc})") from exc
    if size == 0:
        raise bad_audio(f"audio file is empty: {path}")
    name = filename or os.path.basename(path)
    return _PathSource(path, size, _complete_filename(name, head))


def _stream_name(stream: Any) -> Optional[str]:
    """The base name of a file object's ``.name``, unless it is a descriptor or ``<stdin>``."""
    name = getattr(stream, "name", None)
    if not isinstance(name, (str, bytes)):
        return None
    base = os.path.basename(os.fsdecode(name))
    return base if base and not base.startswith("<") else None


def _is_seekable(stream: Any) -> bool:
    seekable = getattr(stream, "seekable", None)
    if callable(seekable):
        try:
            return bool(seekable())
        except (OSError, ValueError):
            return False
    return callable(getattr(stream, "seek", None)) and callable(getattr(stream, "tell", None))


def _file_object_source(stream: IO[bytes], filename: Optional[str]) -> AudioSource:
    if getattr(stream, "closed", False):
        raise bad_audio("audio file object is closed")
    mode = getattr(stream, "mode", None)
    if isinstance(stream, io.TextIOBase) or (isinstance(mode, str) and "b" not in mode):
        raise bad_audio("audio file object must be opened in binary mode")
    name = filename or _stream_name(stream)
    if not _is_seekable(stream):
        return _spool(stream, name)
    try:
        start = stream.tell()
        stream.seek(0, io.SEEK_END)
        end = stream.tell()
        stream.seek(start)
        head = stream.read(_SNIFF_BYTES)
        stream.seek(start)
    except (OSError, ValueError):
        # ``seekable()`` lied (some wrappers do): fall back to a one-time copy.
        return _spool(stream, name)
    if isinstance(head, str):
        raise bad_audio("audio file object must be opened in binary mode")
    if end <= start:
        raise bad_audio("audio file object has no data after its current position")
    return _FileObjectSource(stream, start, end - start, _complete_filename(name, head))


def _spool(stream: IO[bytes], name: Optional[str]) -> AudioSource:
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_LIMIT)  # noqa: SIM115
    try:
        head = b""
        size = 0
        while True:
            piece = stream.read(CHUNK_SIZE)
            if isinstance(piece, str):
                raise bad_audio("audio file object must be opened in binary mode")
            if not piece:
                break
            if len(head) < _SNIFF_BYTES:
                head += piece[: _SNIFF_BYTES - len(head)]
            spool.write(piece)
            size += len(piece)
        if size == 0:
            raise bad_audio("audio file object is empty")
    except BaseException:
        spool.close()
        raise
    return _FileObjectSource(spool, 0, size, _complete_filename(name, head), owned=True)
