"""The flow modules as lazy handles: each loads at the first use of one of its flows.

``import openai_accel`` must stay cheap for a script that only chats, yet the
client class (``_client_base``) and the SDK-shaped rows (``_sdk_shape``) name
every flow at import time. Both take their handles from here, so the list is
kept once; mypy sees the real modules.
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from . import audio as audio_ops
    from . import batch_api as batch_ops
    from . import batch_run as batch_run_ops
    from . import embeddings as embedding_ops
    from . import files as file_ops
    from . import images as image_ops
    from . import models as model_ops
    from . import moderation as moderation_ops
    from . import raw as raw_ops
    from . import responses as response_ops
    from . import voice as voice_ops
else:
    from .._surface import lazy_module

    audio_ops = lazy_module("openai_accel._ops.audio")
    batch_ops = lazy_module("openai_accel._ops.batch_api")
    batch_run_ops = lazy_module("openai_accel._ops.batch_run")
    embedding_ops = lazy_module("openai_accel._ops.embeddings")
    file_ops = lazy_module("openai_accel._ops.files")
    image_ops = lazy_module("openai_accel._ops.images")
    model_ops = lazy_module("openai_accel._ops.models")
    moderation_ops = lazy_module("openai_accel._ops.moderation")
    raw_ops = lazy_module("openai_accel._ops.raw")
    response_ops = lazy_module("openai_accel._ops.responses")
    voice_ops = lazy_module("openai_accel._ops.voice")

__all__ = [
    "audio_ops",
    "batch_ops",
    "batch_run_ops",
    "embedding_ops",
    "file_ops",
    "image_ops",
    "model_ops",
    "moderation_ops",
    "raw_ops",
    "response_ops",
    "voice_ops",
]
