"""``openai-accel``: the demo, the emulator, and a one-shot chat.

``openai-accel demo`` starts the emulator in-process (no key, no network) and
walks through what the library does. With ``--base-url`` (and a key in
``OPENAI_API_KEY``) the same walk-through runs against a real server.

Adding a subcommand: write ``add_X(subcommands)`` that calls
``subcommands.add_parser(...)`` (help text on every option) and
``set_defaults(run=function)``, where ``function(args) -> int`` is the exit
status, and append it to :data:`COMMANDS`. A user's mistake raises
:class:`UsageError` (or a library :class:`~openai_accel.errors.OpenAIError`):
:func:`main` turns either into one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from typing import Any, Callable, List, NoReturn, Optional, Sequence

from . import __version__
from ._cli_batch import add_parser as add_batch_parser  # files and batch jobs (issue 10)

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]

PROG = "openai-accel"
#: Exit statuses: 1 the operation failed, 2 the command line was wrong, 130 Ctrl-C.
EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130


class UsageError(Exception):
    """A mistake the user can fix (a bad option value, a port in use): one line, no traceback."""

    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: the problem and where to find help, not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# -- demo -------------------------------------------------------------------


def _run_demo(args: argparse.Namespace) -> int:
    from ._cli_demo import run_demo

    return run_demo(args.base_url, os.environ.get("OPENAI_API_KEY"), args.model)


def add_demo(subcommands: Any) -> None:
    demo = subcommands.add_parser(
        "demo", help="walk through the library against the embedded emulator (offline)"
    )
    demo.add_argument(
        "--base-url",
        default=None,
        help="run against this server instead of the emulator (key from OPENAI_API_KEY)",
    )
    demo.add_argument(
        "--model", default="gpt-4o-mini", help="the chat model (default: %(default)s)"
    )
    demo.set_defaults(run=_run_demo)


# -- emulator ---------------------------------------------------------------


def _fault(spec: str) -> Any:
    """argparse type for --fault: a Fault, or a one-line error naming the bad part."""
    from .testing import parse_fault_spec

    try:
        return parse_fault_spec(spec)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"{spec!r}: {_one_line(str(exc))}") from None


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return port


def _run_emulator(args: argparse.Namespace) -> int:
    from .testing import run_forever

    try:
        run_forever(args.host, args.port, api_key=args.api_key, faults=args.fault)
    except OSError as exc:
        reason = exc.strerror or _one_line(str(exc))
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    return 0


def add_emulator(subcommands: Any) -> None:
    emulator = subcommands.add_parser("emulator", help="run the OpenAI API emulator until Ctrl-C")
    emulator.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    emulator.add_argument(
        "--port",
        type=_port,
        default=8765,
        help="port to listen on, 0 = any free one (default: %(default)s)",
    )
    emulator.add_argument(
        "--api-key", default=None, help="require this key (401 otherwise); default: any key"
    )
    emulator.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        help="inject a fault, e.g. 'status=503,count=3' or 'status=429,retry_after=2' (repeatable)",
    )
    emulator.set_defaults(run=_run_emulator)


# -- chat -------------------------------------------------------------------


def _prompt(args: argparse.Namespace) -> str:
    if args.prompt != "-":
        return str(args.prompt)
    text = sys.stdin.read()
    if not text.strip():
        raise UsageError("the prompt read from stdin is empty", EXIT_USAGE)
    return text


def _run_chat(args: argparse.Namespace) -> int:
    from . import OpenAI
    from ._cli_output import Spinner

    prompt = _prompt(args)
    with OpenAI(base_url=args.base_url, max_retries=args.max_retries) as client:
        if args.stream:
            with client.stream_chat(prompt, model=args.model) as chunks:
                pieces = iter(chunks)
                with Spinner("waiting for the first token"):
                    first = next(pieces, None)
                for chunk in itertools.chain([first] if first is not None else [], pieces):
                    print(chunk.content or "", end="", flush=True)
            print()
        else:
            with Spinner("waiting for the answer"):
                reply = client.chat(prompt, model=args.model)
            print(reply.content)
    return 0


def add_chat(subcommands: Any) -> None:
    chat = subcommands.add_parser(
        "chat", help="send one prompt and print the answer (OPENAI_API_KEY, OPENAI_BASE_URL)"
    )
    chat.add_argument("prompt", help="the prompt; '-' reads it from stdin")
    chat.add_argument(
        "--model", default="gpt-4o-mini", help="the chat model (default: %(default)s)"
    )
    chat.add_argument(
        "--base-url", default=None, help="the API's base URL (default: OPENAI_BASE_URL or OpenAI)"
    )
    chat.add_argument("--stream", action="store_true", help="print the answer as it arrives")
    chat.add_argument(
        "--max-retries",
        type=int,
        default=2,
        help="retries of a transient failure before giving up (default: %(default)s)",
    )
    chat.set_defaults(run=_run_chat)


#: The subcommands, in the order ``--help`` lists them (see the module docstring).
COMMANDS: List[Callable[[Any], None]] = [add_demo, add_emulator, add_chat, add_batch_parser]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in COMMANDS:
        add(subcommands)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit status (errors: one line on stderr)."""
    from .errors import OpenAIError

    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except UsageError as exc:
        print(f"{PROG}: error: {_one_line(str(exc))}", file=sys.stderr)
        return exc.status
    except OpenAIError as exc:
        print(f"{PROG}: error: {type(exc).__name__}: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
