"""Benchmark ``response-stream``: the Result wrapper around ``response_stream.measure``."""

from __future__ import annotations

import os
import sys

from bench_common import Result, ratio

# --------------------------------------------------------------------------
# Responses API stream: client CPU per event (responses)
# --------------------------------------------------------------------------


def bench_response_stream(quick: bool) -> Result:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import response_stream

    result = Result("response-stream")
    measured = response_stream.measure(quick)
    result.row("events per stream", measured["events"], "")
    result.row("bytes per stream", measured["bytes"], "B")
    result.row("raw aiohttp read + json.loads", measured["raw_us"], "us CPU/event")
    result.row("openai_accel stream_response", measured["accel_us"], "us CPU/event")
    value = ratio(measured["accel_us"], measured["raw_us"])
    result.row("ratio accel / raw", value, "x")
    result.target("accel/raw CPU per event", value, "<=", 5.0)
    result.note("server in a child process; client CPU from time.process_time, medians")
    return result
