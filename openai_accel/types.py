"""String enums of the API's fixed vocabularies; plain strings work wherever they do."""

import enum

__all__ = ["AudioFormat", "TranscriptionFormat", "Voice"]


class _StrEnum(str, enum.Enum):
    def __str__(self) -> str:
        return str(self.value)


class Voice(_StrEnum):
    ALLOY = "alloy"
    ASH = "ash"
    BALLAD = "ballad"
    CORAL = "coral"
    ECHO = "echo"
    FABLE = "fable"
    ONYX = "onyx"
    NOVA = "nova"
    SAGE = "sage"
    SHIMMER = "shimmer"
    VERSE = "verse"
    MARIN = "marin"
    CEDAR = "cedar"


class AudioFormat(_StrEnum):
    MP3 = "mp3"
    OPUS = "opus"
    AAC = "aac"
    FLAC = "flac"
    WAV = "wav"
    PCM = "pcm"


class TranscriptionFormat(_StrEnum):
    JSON = "json"
    TEXT = "text"
    SRT = "srt"
    VERBOSE_JSON = "verbose_json"
    VTT = "vtt"
