"""``python -m openai_accel``: the same command line as ``openai-accel``."""

import sys

from .cli import main

sys.exit(main())
