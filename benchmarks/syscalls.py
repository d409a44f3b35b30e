"""System calls per call (``strace -c``), against the raw transports: what the kernel is asked.

Usage::

    python benchmarks/syscalls.py                 # every pair, a table per pair
    python benchmarks/syscalls.py --only async_c16

Why a benchmark of its own: client CPU per call on the reference harness is
user *and* system time, and instruction counts (``instructions.py``) see only
the first. A system call costs a microsecond or more on a virtual machine, a
page fault about as much, and neither shows in a profile of Python code.
This is how two such costs were found: asyncio's 256 KiB socket reads served
by ``mmap`` (three calls per reply, both clients alike,
until the aiohttp transport raised glibc's threshold) and, on the blocking
client, a ``poll`` before each send and receive, which CPython makes for any
socket with a timeout (the raw floor sets none; the library's read timeout
is a feature, so those stay).

Each scenario runs twice under ``strace -c`` (only the client process; the
server is another process), with ``N`` and ``4 N`` calls after the same
warm-up; the difference divided by ``3 N`` is per call. The scenarios are
``instructions.py``'s, over a socket to its local keep-alive server.
Needs ``strace`` on PATH (Debian: ``apt-get install strace``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any, Callable, Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import instructions  # benchmarks/ is not a package: found through sys.path
import keepalive_server

#: pair -> (library scenario, raw floor scenario), each the name of a runner below
PAIRS = {
    "async_c16": ("aiohttp_c16", "aiohttp_raw_c16"),
    "async_c1": ("aiohttp_c1", "aiohttp_raw_c1"),
    "sync": ("requests_sync", "requests_raw"),
}
CALLS = 200


def _requests_runner(name: str) -> Callable[[int], None]:
    """A blocking call over the socket: raw ``requests`` (the harness's floor) or ``OpenAI``."""
    base_url = keepalive_server.start(instructions.CHAT_REPLY)
    if name == "requests_raw":
        import requests

        session = requests.Session()
        session.trust_env = False  # the harness's raw_requests_noenv
        body = {"model": instructions.MODEL, "messages": instructions.MESSAGES}
        auth = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}

        def unit() -> Any:
            url = base_url + "/chat/completions"
            reply = session.post(url, data=json.dumps(body), headers=auth)
            return json.loads(reply.content)["choices"][0]["message"]["content"]

    else:
        from openai_accel import OpenAI

        client = OpenAI(api_key="sk-bench", base_url=base_url)

        def unit() -> Any:
            return client.chat(instructions.MESSAGES, model=instructions.MODEL).content

    def run(n: int) -> None:
        for _ in range(n):
            unit()

    return run


def _runner(name: str) -> Callable[[int], None]:
    if name.startswith("requests_"):
        return _requests_runner(name)
    run, _ = instructions.scenario(name)
    return run


def _child(name: str, n: int) -> None:
    run = _runner(name)
    run(48)  # warm-up: connections, converters, what the first replies teach
    run(n)


def _counts(name: str, n: int) -> Dict[str, int]:
    """``strace -c`` of one child run: calls per system call name."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "strace.txt")
        cmd = ["strace", "-c", "-o", out, sys.executable, __file__, "--child", name, str(n)]
        subprocess.run(cmd, check=True, capture_output=True)
        counts: Dict[str, int] = {}
        with open(out) as f:
            for line in f:
                fields = line.split()
                # "% time seconds usecs/call calls [errors] syscall"; skip headers and total
                if len(fields) >= 5 and fields[0][0].isdigit() and fields[-1] != "total":
                    counts[fields[-1]] = int(fields[3])
        return counts


def per_call(name: str, n: int = CALLS) -> Dict[str, float]:
    low, high = _counts(name, n), _counts(name, 4 * n)
    return {call: (high.get(call, 0) - low.get(call, 0)) / (3 * n) for call in high}


def _table(pair: str, ours: Dict[str, float], raw: Dict[str, float]) -> List[str]:
    rows: List[Tuple[str, float, float]] = [
        (call, ours.get(call, 0.0), raw.get(call, 0.0)) for call in set(ours) | set(raw)
    ]
    rows = [row for row in rows if max(row[1], row[2]) >= 0.05]  # start-up noise
    rows.sort(key=lambda row: -max(row[1], row[2]))
    total_ours, total_raw = sum(r[1] for r in rows), sum(r[2] for r in rows)
    lines = [f"{pair}: system calls per call (library / raw floor)"]
    lines += [f"  {call:<14} {mine:>7.2f} {floor:>7.2f}" for call, mine, floor in rows]
    ratio = total_ours / total_raw if total_raw else float("nan")
    lines.append(f"  {'all':<14} {total_ours:>7.2f} {total_raw:>7.2f}   ratio {ratio:.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(PAIRS))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], int(args.child[1]))
        return
    if shutil.which("strace") is None:
        raise SystemExit("strace is not on PATH (Debian: apt-get install strace)")
    for pair in args.only:
        ours, raw = PAIRS[pair]
        print("\n".join(_table(pair, per_call(ours), per_call(raw))))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
