"""The emulator's audio files: a text marker inside a well-formed file of each format.

See :mod:`._audio` for why the spoken text travels inside the file and where
the marker sits in each format. Pure functions of (text, duration, format).
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
import struct
import sys
import wave
import zlib
from array import array
from functools import lru_cache
from typing import List, Optional, Tuple

from ._wire import stable_hash

SAMPLE_RATE = 24000
WORD_SECONDS = 0.4
MAX_SECONDS = 30.0

_MARKER_RE = re.compile(rb"OAIEMU1:(\d{1,9}):([A-Za-z0-9_=-]*):([0-9a-f]{8});")
_ID3_OWNER = b"openai-accel-emulator"


# ---------------------------------------------------------------- the marker


def make_marker(text: str, duration: float) -> bytes:
    data = text.encode("utf-8")
    encoded = base64.urlsafe_b64encode(data)
    crc = format(zlib.crc32(data) & 0xFFFFFFFF, "08x").encode("ascii")
    return b"OAIEMU1:%d:%s:%s;" % (round(duration * 1000), encoded, crc)


def find_marker(data: bytes) -> Optional[Tuple[str, float]]:
    """The (text, duration) an emulator-made audio file carries, if it carries one."""
    for match in _MARKER_RE.finditer(data):
        try:
            raw = base64.urlsafe_b64decode(match.group(2))
        except (binascii.Error, ValueError):
            continue
        if format(zlib.crc32(raw) & 0xFFFFFFFF, "08x").encode("ascii") != match.group(3):
            continue
        try:
            return raw.decode("utf-8"), int(match.group(1)) / 1000.0
        except UnicodeDecodeError:
            continue
    return None


# ---------------------------------------------------------------- samples


def speech_duration(text: str, speed: float) -> float:
    words = max(1, len(text.split()))
    return min(MAX_SECONDS, max(0.5, words * WORD_SECONDS / speed))


@lru_cache(maxsize=128)
def _period(length: int) -> array[int]:
    amplitude = 6000
    return array("h", (int(amplitude * math.sin(2 * math.pi * k / length)) for k in range(length)))


def speech_samples(text: str, duration: float, marker: bytes) -> array[int]:
    """Marker bytes as the first samples, then a tone per word (then silence) to length."""
    total = int(duration * SAMPLE_RATE)
    padded = marker + b" " * (len(marker) % 2)
    head = array("h")
    head.frombytes(padded)
    if sys.byteorder != "little":
        head.byteswap()  # so that the bytes on the wire are the marker's bytes
    samples = array("h", head)
    words = text.split() or [text]
    per_word = max(1, (total - len(samples)) // len(words))
    tone = int(per_word * 0.8)
    silence = array("h", [0]) * (per_word - tone)
    for word in words:
        period = _period(40 + stable_hash("tone", word) % 80)  # 200 to 600 Hz
        repeats = tone // len(period) + 1
        samples.extend((period * repeats)[:tone])
        samples.extend(silence)
    if len(samples) < total:
        samples.extend(array("h", [0]) * (total - len(samples)))
    return samples


def _little_endian(samples: array[int]) -> bytes:
    if sys.byteorder == "little":
        return samples.tobytes()
    swapped = array("h", samples)
    swapped.byteswap()
    return swapped.tobytes()


def to_wav(samples: array[int]) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(_little_endian(samples))
    return buffer.getvalue()


# ---------------------------------------------------------------- containers


def _syncsafe(value: int) -> bytes:
    return bytes(((value >> 21) & 0x7F, (value >> 14) & 0x7F, (value >> 7) & 0x7F, value & 0x7F))


def _id3(marker: bytes) -> bytes:
    payload = b"\x00" + _ID3_OWNER + b"\x00" + marker
    frame = b"TXXX" + struct.pack(">I", len(payload)) + b"\x00\x00" + payload
    return b"ID3\x03\x00\x00" + _syncsafe(len(frame)) + frame


def to_mp3(sample_count: int, marker: bytes) -> bytes:
    # MPEG-2 Layer III, 64 kbit/s, 24 kHz, mono: 576 samples in 192 bytes; zero side info
    # and main data decode as silence.
    frame = b"\xff\xf3\x84\xc0" + bytes(188)
    return _id3(marker) + frame * max(1, math.ceil(sample_count / 576))


def to_aac(sample_count: int, marker: bytes) -> bytes:
    # ADTS AAC-LC, 24 kHz, mono; each raw block is one silent SCE (zero max_sfb) + END.
    raw = b"\x00\x00\x00\x07"
    length = 7 + len(raw)
    bits = (0xFFF << 44) | (0 << 43) | (0 << 41) | (1 << 40) | (1 << 38) | (6 << 34)
    bits |= (1 << 30) | (length << 13) | (0x7FF << 2)
    frame = bits.to_bytes(7, "big") + raw
    return _id3(marker) + frame * max(1, math.ceil(sample_count / 1024))


def _crc_table(poly: int, width: int) -> List[int]:
    top = 1 << (width - 1)
    mask = (1 << width) - 1
    table = []
    for byte in range(256):
        crc = byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly) & mask if crc & top else (crc << 1) & mask
        table.append(crc)
    return table


_CRC8 = _crc_table(0x07, 8)
_CRC16 = _crc_table(0x8005, 16)
_CRC32_OGG = _crc_table(0x04C11DB7, 32)


def _crc(data: bytes, table: List[int], width: int) -> int:
    crc = 0
    shift = width - 8
    mask = (1 << width) - 1
    for byte in data:
        crc = ((crc << 8) & mask) ^ table[((crc >> shift) & 0xFF) ^ byte]
    return crc


def _utf8_number(value: int) -> bytes:
    if value < 0x80:
        return bytes((value,))
    size = 2
    while value >= 1 << (5 * size + 1):
        size += 1
    out = []
    for _ in range(size - 1):
        out.append(0x80 | (value & 0x3F))
        value >>= 6
    lead = ((0xFF00 >> size) & 0xFF) | value
    return bytes([lead, *out[::-1]])


def to_flac(sample_count: int, marker: bytes) -> bytes:
    block = 4096
    info = struct.pack(">HH", block, block) + bytes(6)
    info += ((SAMPLE_RATE << 44) | (0 << 41) | (15 << 36) | sample_count).to_bytes(8, "big")
    info += bytes(16)  # MD5 unknown
    vendor = b"openai-accel emulator"
    comment = b"OPENAI_ACCEL_EMULATOR=" + marker
    comments = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 1)
    comments += struct.pack("<I", len(comment)) + comment
    out = [b"fLaC", b"\x00" + len(info).to_bytes(3, "big") + info]
    out.append(b"\x84" + len(comments).to_bytes(3, "big") + comments)
    frames = max(1, math.ceil(sample_count / block))
    for number in range(frames):
        size = min(block, sample_count - number * block) if sample_count else block
        header = b"\xff\xf8\x77\x08" + _utf8_number(number) + struct.pack(">H", size - 1)
        header += bytes((_crc(header, _CRC8, 8),))
        frame = header + b"\x00\x00\x00"  # CONSTANT subframe, value 0
        out.append(frame + struct.pack(">H", _crc(frame, _CRC16, 16)))
    return b"".join(out)


def _ogg_page(kind: int, granule: int, sequence: int, packets: List[bytes]) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing.extend(b"\xff" * (len(packet) // 255))
        lacing.append(len(packet) % 255)
    header = b"OggS\x00" + bytes((kind,)) + struct.pack("<qII", granule, 0x4F414945, sequence)
    page = header + b"\x00\x00\x00\x00" + bytes((len(lacing),)) + bytes(lacing)
    page += b"".join(packets)
    checksum = _crc(page, _CRC32_OGG, 32)
    return page[:22] + struct.pack("<I", checksum) + page[26:]


def to_opus(sample_count: int, marker: bytes) -> bytes:
    pre_skip = 312
    head = b"OpusHead\x01\x01" + struct.pack("<HIhB", pre_skip, SAMPLE_RATE, 0, 0)
    vendor = b"openai-accel emulator"
    comment = b"OPENAI_ACCEL_EMULATOR=" + marker
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 1)
    tags += struct.pack("<I", len(comment)) + comment
    pages = [_ogg_page(0x02, 0, 0, [head]), _ogg_page(0x00, 0, 1, [tags])]
    packets = max(1, math.ceil(sample_count / (SAMPLE_RATE // 50)))
    silent = b"\xf8"  # CELT-only 20 ms frame of length 0: decodes as silence
    sequence = 2
    done = 0
    while done < packets:
        batch = min(255, packets - done)
        done += batch
        kind = 0x04 if done == packets else 0x00
        granule = pre_skip + done * 960
        pages.append(_ogg_page(kind, granule, sequence, [silent] * batch))
        sequence += 1
    return b"".join(pages)


# ---------------------------------------------------------------- speech
