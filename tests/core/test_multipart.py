"""The streaming multipart encoder and the audio sources it reads."""

from __future__ import annotations

import email.parser
import email.policy
import io
import os
import pathlib
from email.message import EmailMessage
from typing import Any, Generator, Iterator, List, Optional, Sequence, Tuple, cast

import pytest

from openai_accel._core.http import StreamingBody
from openai_accel._core.multipart import (
    CHUNK_SIZE,
    AudioSource,
    FilePart,
    MultipartBody,
    audio_source,
    guess_content_type,
    sniff_audio_extension,
)
from openai_accel.errors import BadRequestError

WAV = b"RIFF\x24\x08\x00\x00WAVEfmt \x10\x00\x00\x00" + bytes(range(256)) * 4
SAMPLE = bytes(range(256)) * 300 + b"\r\n--not-a-boundary\r\n" + b"\x00\xff" * 100

HEADS = {
    ".wav": b"RIFF\x24\x08\x00\x00WAVEfmt ",
    ".flac": b"fLaC\x00\x00\x00\x22\x10\x00",
    ".ogg": b"OggS\x00\x02\x00\x00\x00\x00",
    ".webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81",
    ".m4a": b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00",
    ".mp4": b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00",
}


def _body(
    files: Sequence[AudioSource] = (), fields: Sequence[Tuple[str, str]] = ()
) -> MultipartBody:
    return MultipartBody(list(fields), [FilePart.from_source("file", source) for source in files])


def _parse(body: MultipartBody) -> List[EmailMessage]:
    """Decode the body with the standard library, as an independent reader would."""
    raw = b"".join(body.chunks())
    head = f"Content-Type: {body.content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    assert not message.defects
    return [part for part in message.iter_parts() if isinstance(part, EmailMessage)]


def _name(part: EmailMessage) -> Any:
    return part.get_param("name", header="content-disposition")


class _CountingReader(io.BytesIO):
    """A file object that records how much was read through it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: Optional[int] = -1) -> bytes:
        piece = super().read(size)
        self.bytes_read += len(piece)
        return piece


class _Pipe(io.RawIOBase):
    """A readable, non-seekable stream (like a pipe or a socket)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        piece = self._data.read(len(buffer))
        buffer[: len(piece)] = piece
        return len(piece)


@pytest.fixture
def audio_file(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "speech.mp3"
    path.write_bytes(SAMPLE)
    return path


# --------------------------------------------------------------------------
# Round trip
# --------------------------------------------------------------------------


def test_fields_round_trip() -> None:
    fields = [("model", "whisper-1"), ("timestamp_granularities[]", "word"), ("prompt", "a\r\nb")]
    parts = _parse(_body(fields=fields))
    assert [(_name(p), p.get_payload(decode=True)) for p in parts] == [
        ("model", b"whisper-1"),
        ("timestamp_granularities[]", b"word"),
        ("prompt", b"a\r\nb"),
    ]


def test_unicode_field_value_is_utf8() -> None:
    (part,) = _parse(_body(fields=[("prompt", "Grüße")]))
    assert part.get_payload(decode=True) == "Grüße".encode()


def test_file_bytes_round_trip_exactly(audio_file: pathlib.Path) -> None:
    parts = _parse(_body([audio_source(str(audio_file))], [("model", "whisper-1")]))
    assert parts[1].get_payload(decode=True) == SAMPLE


def test_file_part_name_filename_and_type(audio_file: pathlib.Path) -> None:
    (part,) = _parse(_body([audio_source(audio_file)]))
    assert (_name(part), part.get_filename(), part.get_content_type()) == (
        "file",
        "speech.mp3",
        "audio/mpeg",
    )


def test_fields_come_before_files(audio_file: pathlib.Path) -> None:
    parts = _parse(_body([audio_source(audio_file)], [("model", "whisper-1")]))
    assert [_name(p) for p in parts] == ["model", "file"]


def test_several_files_round_trip() -> None:
    body = MultipartBody(
        [],
        [
            FilePart.from_source("first", audio_source(WAV)),
            FilePart.from_source("second", audio_source(SAMPLE, filename="b.ogg")),
        ],
    )
    assert [p.get_payload(decode=True) for p in _parse(body)] == [WAV, SAMPLE]


def test_file_part_explicit_name_and_type() -> None:
    source = audio_source(WAV)
    body = MultipartBody([], [FilePart("file", "custom.wav", "audio/x-wav", source)])
    (part,) = _parse(body)
    assert (part.get_filename(), part.get_content_type()) == ("custom.wav", "audio/x-wav")


def test_empty_form_is_just_the_closing_delimiter() -> None:
    body = MultipartBody([], [], boundary="xyz")
    assert b"".join(body.chunks()) == b"--xyz--\r\n"


def test_exact_wire_format() -> None:
    body = MultipartBody(
        [("model", "whisper-1")],
        [FilePart("file", "a.wav", "audio/wav", audio_source(b"RIFFdata"))],
        boundary="b0undary",
    )
    assert b"".join(body.chunks()) == (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="model"\r\n\r\n'
        b"whisper-1\r\n"
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="a.wav"\r\n'
        b"Content-Type: audio/wav\r\n\r\n"
        b"RIFFdata\r\n"
        b"--b0undary--\r\n"
    )


# --------------------------------------------------------------------------
# Length, retries, streaming
# --------------------------------------------------------------------------


def test_content_length_matches_produced_bytes(audio_file: pathlib.Path) -> None:
    body = _body([audio_source(audio_file)], [("model", "whisper-1"), ("language", "de")])
    assert body.content_length == len(b"".join(body.chunks()))


def test_total_length_matches_produced_bytes() -> None:
    body = _body([audio_source(WAV), audio_source(SAMPLE)], [("prompt", "Grüße")])
    assert body.total_length() == len(b"".join(body.chunks()))


def test_content_length_needs_no_file_reads() -> None:
    reader = _CountingReader(SAMPLE)
    body = _body([audio_source(reader, filename="x.mp3")])
    assert body.content_length > len(SAMPLE) and reader.bytes_read <= 16


def test_path_chunks_twice_give_identical_bytes(audio_file: pathlib.Path) -> None:
    body = _body([audio_source(audio_file)])
    assert b"".join(body.chunks()) == b"".join(body.chunks())


def test_file_object_chunks_twice_give_identical_bytes() -> None:
    body = _body([audio_source(io.BytesIO(SAMPLE), filename="a.mp3")])
    first = b"".join(body.chunks())
    assert first == b"".join(body.chunks()) and SAMPLE in first


def test_bytes_chunks_twice_give_identical_bytes() -> None:
    body = _body([audio_source(SAMPLE)])
    assert b"".join(body.chunks()) == b"".join(body.chunks())


def test_abandoned_pass_does_not_affect_the_next(audio_file: pathlib.Path) -> None:
    body = _body([audio_source(audio_file)])
    expected = b"".join(body.chunks())
    partial = cast("Generator[bytes, None, None]", body.chunks())
    next(partial)
    next(partial)
    partial.close()
    assert b"".join(body.chunks()) == expected


def test_large_file_is_streamed_in_bounded_chunks(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "big.wav"
    with open(path, "wb") as handle:
        handle.write(WAV[:44])
        for index in range(80):  # 5 MiB plus the header
            handle.write(bytes([index]) * CHUNK_SIZE)
    body = _body([audio_source(path)], [("model", "whisper-1")])
    header_size = 512
    sizes = [len(chunk) for chunk in body.chunks()]
    assert max(sizes) <= CHUNK_SIZE + header_size and sum(sizes) == body.content_length


def test_large_file_data_chunks_are_at_most_chunk_size(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "big.mp3"
    path.write_bytes(b"\x00" * (5 * 1024 * 1024 + 17))
    chunks = list(audio_source(path).chunks())
    assert max(len(c) for c in chunks) == CHUNK_SIZE and len(chunks) == 81


def test_file_object_sent_from_its_current_position() -> None:
    stream = io.BytesIO(b"skip-me" + SAMPLE)
    stream.seek(7)
    (part,) = _parse(_body([audio_source(stream, filename="a.mp3")]))
    assert part.get_payload(decode=True) == SAMPLE


def test_file_object_rewound_to_start_position_on_retry() -> None:
    stream = io.BytesIO(b"skip-me" + SAMPLE)
    stream.seek(7)
    body = _body([audio_source(stream, filename="a.mp3")])
    first = b"".join(body.chunks())
    stream.seek(0)  # somebody moved it between attempts
    assert b"".join(body.chunks()) == first


def test_file_object_length_is_from_current_position() -> None:
    stream = io.BytesIO(b"0123456789")
    stream.seek(4)
    assert audio_source(stream, filename="a.wav").length == 6


def test_file_object_position_unchanged_by_construction() -> None:
    stream = io.BytesIO(SAMPLE)
    stream.seek(3)
    audio_source(stream)
    assert stream.tell() == 3


def test_non_seekable_stream_is_sent_whole() -> None:
    (part,) = _parse(_body([audio_source(io.BufferedReader(_Pipe(SAMPLE)), filename="a.mp3")]))
    assert part.get_payload(decode=True) == SAMPLE


def test_non_seekable_stream_can_be_retried() -> None:
    source = audio_source(io.BufferedReader(_Pipe(WAV)))
    body = _body([source])
    assert body.rewindable and b"".join(body.chunks()) == b"".join(body.chunks())


def test_non_seekable_stream_is_sniffed() -> None:
    assert audio_source(io.BufferedReader(_Pipe(WAV))).filename == "audio.wav"


def test_closing_body_closes_spooled_copy_only() -> None:
    stream = io.BytesIO(SAMPLE)
    body = _body(
        [audio_source(stream, filename="a.mp3"), audio_source(io.BufferedReader(_Pipe(WAV)))]
    )
    body.close()
    assert not stream.closed


def test_body_satisfies_streaming_body_protocol() -> None:
    body: StreamingBody = _body([audio_source(WAV)])
    assert isinstance(body.content_length, int) and isinstance(next(iter(body.chunks())), bytes)


# --------------------------------------------------------------------------
# Sources changing under us
# --------------------------------------------------------------------------


def test_file_that_shrank_fails_the_upload(audio_file: pathlib.Path) -> None:
    body = _body([audio_source(audio_file)])
    audio_file.write_bytes(SAMPLE[:100])
    with pytest.raises(BadRequestError, match="ended after 100"):
        b"".join(body.chunks())


def test_file_that_grew_sends_the_measured_length(audio_file: pathlib.Path) -> None:
    body = _body([audio_source(audio_file)])
    with open(audio_file, "ab") as handle:
        handle.write(b"more")
    assert len(b"".join(body.chunks())) == body.content_length


def test_file_deleted_after_construction_fails_clearly(audio_file: pathlib.Path) -> None:
    body = _body([audio_source(audio_file)])
    os.remove(audio_file)
    with pytest.raises(BadRequestError, match="could not be read"):
        b"".join(body.chunks())


class _LyingSource(AudioSource):
    @property
    def length(self) -> int:
        return 10

    def chunks(self) -> Iterator[bytes]:
        yield b"12345"


def test_source_producing_wrong_length_fails() -> None:
    body = _body([_LyingSource("x.wav")])
    with pytest.raises(BadRequestError, match="produced 5 bytes, expected 10"):
        b"".join(body.chunks())


# --------------------------------------------------------------------------
# Filenames and content types
# --------------------------------------------------------------------------


@pytest.mark.parametrize(("extension", "head"), sorted(HEADS.items()))
def test_sniffed_format_sets_extension(extension: str, head: bytes) -> None:
    assert audio_source(head + b"\x00" * 64).filename == "audio" + extension


@pytest.mark.parametrize("head", [b"ID3\x04\x00\x00\x00\x00", b"\xff\xfb\x90\x64", b"\xff\xf3\x14"])
def test_mp3_is_sniffed(head: bytes) -> None:
    assert sniff_audio_extension(head) == ".mp3"


def test_adts_aac_is_not_mistaken_for_mp3() -> None:
    assert sniff_audio_extension(b"\xff\xf1\x50\x80\x00") is None


def test_unrecognised_bytes_are_named_audio_bin() -> None:
    source = audio_source(b"plain text, not audio")
    assert (source.filename, source.content_type) == ("audio.bin", "application/octet-stream")


def test_sniffed_content_type() -> None:
    assert audio_source(HEADS[".webm"]).content_type == "audio/webm"


def test_explicit_filename_wins_over_sniffing() -> None:
    assert audio_source(WAV, filename="take1.mp3").filename == "take1.mp3"


def test_filename_without_extension_gets_sniffed_one() -> None:
    assert audio_source(WAV, filename="take1").filename == "take1.wav"


def test_path_without_extension_gets_sniffed_one(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "recording"
    path.write_bytes(HEADS[".flac"] + b"\x00" * 32)
    assert audio_source(path).filename == "recording.flac"


def test_path_filename_is_the_basename(audio_file: pathlib.Path) -> None:
    assert audio_source(str(audio_file)).filename == "speech.mp3"


def test_file_object_named_after_its_name(audio_file: pathlib.Path) -> None:
    with open(audio_file, "rb") as handle:
        assert audio_source(handle).filename == "speech.mp3"


def test_file_object_with_integer_name_is_sniffed(audio_file: pathlib.Path) -> None:
    fd = os.open(audio_file, os.O_RDONLY)
    with os.fdopen(fd, "rb") as handle:
        assert audio_source(handle).filename == "audio.bin"


def test_renaming_an_existing_source() -> None:
    source = audio_source(WAV)
    renamed = audio_source(source, filename="x.flac")
    assert (renamed.filename, renamed.content_type, source.filename) == (
        "x.flac",
        "audio/flac",
        "audio.wav",
    )


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("a.mp3", "audio/mpeg"),
        ("a.MP3", "audio/mpeg"),
        ("a.mpga", "audio/mpeg"),
        ("a.wav", "audio/wav"),
        ("a.m4a", "audio/mp4"),
        ("a.mp4", "audio/mp4"),
        ("a.webm", "audio/webm"),
        ("a.ogg", "audio/ogg"),
        ("a.flac", "audio/flac"),
        ("a.unknown-ext", "application/octet-stream"),
    ],
)
def test_content_type_from_extension(filename: str, content_type: str) -> None:
    assert guess_content_type(filename) == content_type


def test_bytearray_is_copied() -> None:
    data = bytearray(WAV)
    body = _body([audio_source(data)])
    expected = b"".join(body.chunks())
    data[:4] = b"XXXX"
    assert b"".join(body.chunks()) == expected


def test_memoryview_is_accepted() -> None:
    (part,) = _parse(_body([audio_source(memoryview(WAV))]))
    assert part.get_payload(decode=True) == WAV


# --------------------------------------------------------------------------
# Header safety
# --------------------------------------------------------------------------


def test_filename_quote_and_line_breaks_are_percent_encoded() -> None:
    source = audio_source(WAV, filename='evil"\r\nX-Injected: 1.wav')
    raw = b"".join(_body([source]).chunks())
    assert b'filename="evil%22%0D%0AX-Injected: 1.wav"' in raw


def test_field_name_is_escaped() -> None:
    raw = b"".join(MultipartBody([('a"b\n', "v")]).chunks())
    assert b'name="a%22b%0A"' in raw


def test_non_ascii_filename_is_sent_as_utf8() -> None:
    raw = b"".join(_body([audio_source(WAV, filename="grüße.wav")]).chunks())
    assert 'filename="grüße.wav"'.encode() in raw


def test_content_type_with_line_break_is_rejected() -> None:
    with pytest.raises(ValueError, match="line breaks"):
        FilePart("file", "a.wav", "audio/wav\r\nX: y", audio_source(WAV))


def test_content_type_header_carries_the_boundary() -> None:
    body = MultipartBody([], boundary="abc123")
    assert body.content_type == "multipart/form-data; boundary=abc123"


def test_boundary_is_random_per_body() -> None:
    assert MultipartBody().boundary != MultipartBody().boundary


@pytest.mark.parametrize("boundary", ["", "has space", "x" * 71, "semi;colon"])
def test_invalid_boundary_is_rejected(boundary: str) -> None:
    with pytest.raises(ValueError, match="boundary"):
        MultipartBody(boundary=boundary)


def test_non_string_field_value_is_rejected() -> None:
    with pytest.raises(TypeError, match="temperature"):
        MultipartBody([("temperature", 0.5)])  # type: ignore[list-item]


# --------------------------------------------------------------------------
# Refusing bad input before sending
# --------------------------------------------------------------------------


def test_missing_path_raises_bad_request_at_construction(tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "nope.mp3"
    with pytest.raises(BadRequestError, match="audio file not found") as caught:
        audio_source(str(missing))
    assert caught.value.param == "file"


def test_missing_pathlike_raises_bad_request(tmp_path: pathlib.Path) -> None:
    with pytest.raises(BadRequestError, match="not found"):
        audio_source(tmp_path / "nope.wav")


def test_directory_path_raises_bad_request(tmp_path: pathlib.Path) -> None:
    with pytest.raises(BadRequestError, match="not a regular file"):
        audio_source(tmp_path)


def test_empty_bytes_raise_bad_request() -> None:
    with pytest.raises(BadRequestError, match="empty"):
        audio_source(b"")


def test_empty_file_raises_bad_request(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(BadRequestError, match="empty"):
        audio_source(path)


def test_file_object_at_end_raises_bad_request() -> None:
    stream = io.BytesIO(WAV)
    stream.seek(0, io.SEEK_END)
    with pytest.raises(BadRequestError, match="no data"):
        audio_source(stream)


def test_text_mode_file_raises_bad_request(audio_file: pathlib.Path) -> None:
    with open(audio_file, encoding="latin-1") as handle, pytest.raises(
        BadRequestError, match="binary mode"
    ):
        audio_source(handle)  # type: ignore[arg-type]


def test_string_io_raises_bad_request() -> None:
    with pytest.raises(BadRequestError, match="binary mode"):
        audio_source(io.StringIO("abc"))  # type: ignore[arg-type]


def test_closed_file_object_raises_bad_request() -> None:
    stream = io.BytesIO(WAV)
    stream.close()
    with pytest.raises(BadRequestError, match="closed"):
        audio_source(stream)


def test_unsupported_type_raises_type_error() -> None:
    with pytest.raises(TypeError, match="audio must be"):
        audio_source(12345)  # type: ignore[arg-type]
