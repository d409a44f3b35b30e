"""``openai-accel batch submit | status | resume``: Batch API jobs from the command line.

``submit`` reads a JSONL file of requests (one body per line, or a line with
``custom_id`` and ``body`` like the Batch API's own input format), runs them
as a resumable job and writes one result line per request, in input order,
to ``--out``. ``status`` shows what a job file records; ``resume`` continues a
job after a crash. The key and base URL come from ``OPENAI_API_KEY`` /
``OPENAI_BASE_URL`` (or ``--base-url``), as for every command.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Iterator, Tuple

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """Add the ``batch`` command and its subcommands to ``commands`` (argparse subparsers)."""
    batch = commands.add_parser("batch", help="run requests through the Batch API (resumable)")
    batch.set_defaults(run=run)
    actions = batch.add_subparsers(dest="batch_command", metavar="ACTION", required=True)

    submit = actions.add_parser("submit", help="submit a JSONL file of requests and wait")
    submit.add_argument("requests", help="JSONL: a body per line, or {custom_id, body} lines")
    submit.add_argument("--out", required=True, help="where to write the results (JSONL)")
    submit.add_argument("--job", default=None, help="job file (default: OUT.job)")
    submit.add_argument(
        "--endpoint",
        default="/v1/chat/completions",
        help="the endpoint every request goes to (default: %(default)s)",
    )
    _common(submit)

    status = actions.add_parser("status", help="show what a job file records")
    status.add_argument("job", help="the job file written by 'batch submit'")

    resume = actions.add_parser("resume", help="continue a job after a crash")
    resume.add_argument("job", help="the job file written by 'batch submit'")
    resume.add_argument("--out", required=True, help="where to write the results (JSONL)")
    _common(resume)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url", default=None, help="the API's base URL (default: OPENAI_BASE_URL or OpenAI)"
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=None,
        help="seconds between status checks (default: growing from a few seconds)",
    )
    parser.add_argument("--no-progress", action="store_true", help="print no progress")


def read_requests(path: str) -> Iterator[Tuple[str, Any]]:
    """``(custom_id, body)`` per line; a line without ``body`` is the body itself.

    A blank line is skipped; a line that is not JSON raises ``ValueError``
    naming its line number, before anything is uploaded.
    """
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: not a JSON line ({exc})") from None
            if isinstance(record, dict) and "body" in record and "custom_id" in record:
                yield record["custom_id"], record["body"]
            else:
                yield f"line-{number}", record


def _status(job: str) -> int:
    try:
        with open(job, encoding="utf-8") as handle:
            state = json.load(handle)
        parts = state["parts"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: cannot read job {job}: {exc}", file=sys.stderr)
        return 1
    print(f"job {state.get('job_id')}: {state.get('total')} requests to {state.get('endpoint')}")
    for part in parts:
        print(
            f"  part {part['index']}: {part['lines']} requests, file {part.get('file_id') or '-'}, "
            f"batch {part.get('batch_id') or '-'}, {part.get('status') or 'not submitted'}, "
            f"{part.get('completed', 0)} completed, {part.get('failed', 0)} failed"
            + (", collected" if part.get("finished") else "")
        )
    return 0


def run(args: argparse.Namespace) -> int:
    """The ``batch`` command's handler; returns the exit status."""
    if args.batch_command == "status":
        return _status(args.job)
    from . import OpenAI, OpenAIError

    progress = not args.no_progress
    try:
        with OpenAI(base_url=args.base_url) as client:
            if args.batch_command == "submit":
                job = args.job or args.out + ".job"
                print(f"job file: {job} (continue with: openai-accel batch resume {job})")
                results = client.run_batch(
                    read_requests(args.requests),
                    endpoint=args.endpoint,
                    job=job,
                    poll_interval=args.poll_interval,
                    progress=progress,
                )
            else:
                results = client.resume_batch(
                    args.job, poll_interval=args.poll_interval, progress=progress
                )
            written = results.write_jsonl(args.out)
    except (OpenAIError, ValueError, OSError) as exc:
        print(f"openai-accel: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    failed = results.failed
    print(f"{written} results written to {os.fspath(args.out)} ({failed} failed)")
    return 0
