"""``OPENAI_LOG=info|debug``: turn on the ``openai_accel`` logger from the environment.

Read once, when the package is imported (the official SDK's variable and
values, so a migrating user's setting keeps working). A handler writing to
stderr is added only when the application has not configured the logger
itself, so an application's own logging set-up always wins.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from typing import Mapping, Optional

from ._core.log import logger

__all__ = ["ENV_VAR", "configure_from_env"]

ENV_VAR = "OPENAI_LOG"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_FORMAT = "[%(asctime)s %(levelname)s %(name)s] %(message)s"


def configure_from_env(environ: Optional[Mapping[str, str]] = None) -> Optional[int]:
    """Apply ``OPENAI_LOG``; return the level set, or None when unset/empty.

    An unknown value is reported once as a warning rather than ignored in
    silence: a typo would otherwise look like "logging does not work".
    """
    value = (os.environ if environ is None else environ).get(ENV_VAR, "").strip().lower()
    if not value:
        return None
    level = _LEVELS.get(value)
    if level is None:
        warnings.warn(
            f"{ENV_VAR}={value!r} is not one of {sorted(_LEVELS)}; logging left unchanged",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    logger.setLevel(level)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
    return level
