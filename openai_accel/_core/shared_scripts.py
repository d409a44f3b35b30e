"""The Lua scripts that keep a fleet's budget and breaker in Redis, and their key layout.

The decisions are the same GCRA and breaker rules as the in-process
:mod:`~openai_accel._core.budget` and :mod:`~openai_accel._core.breaker`,
written once more in Lua because Redis must run them atomically (a read-then-
write from Python would race between processes). Redis's own ``TIME`` is the
clock, so machines with skewed clocks still share one timeline.

Keys, under ``openai_accel:<namespace>:`` (the namespace is a hash of the
base URL and the API key; the key itself is never stored):

* ``breaker``: hash ``failures``, ``open_until`` (Redis time; 0 = closed);
* ``probe``: set while one process probes a half-open breaker (expires);
* ``f:<family>``: hash ``rrate``/``rtat`` (requests per minute, theoretical
  arrival time), ``trate``/``ttat`` (tokens), ``paused`` (a 429's pause).

Every key expires (``PEXPIRE`` on each write), and there are at most
``2 + max_families`` of them per namespace.

``ADMIT`` is the one round trip of an attempt: it applies this process's
deferred corrections (usage, given-back reservations, breaker successes),
checks the breaker and reserves. ``REPORT`` runs only on the failure path (a
failed attempt, a 429's pause, the verdict of a probe).
"""

from __future__ import annotations

import hashlib
from typing import Any, List, Optional, Sequence, Tuple

import attrs

__all__ = [
    "ADMIT",
    "REPORT",
    "AdmitReply",
    "Script",
    "SharedStateUnavailable",
    "decode_admit",
    "namespace_prefix",
]


class SharedStateUnavailable(Exception):
    """The shared store could not be reached (or answered nonsense); fall back in-process."""


@attrs.frozen
class Script:
    name: str
    source: str

    @property
    def sha(self) -> str:
        return hashlib.sha1(self.source.encode("utf-8")).hexdigest()


_PRELUDE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local function num(v) return tonumber(v) or 0 end
"""

ADMIT = Script(
    "admit",
    _PRELUDE
    + """
-- KEYS: breaker, probe, family
-- ARGV: rpm, tpm, tokens, burst, delay, max_wait (-1: none), ttl_ms, breaker_on,
--       recovery, successes, token_delta, request_delta, requests_left, tokens_left
--       (*_left: what this process's last replies said remains, -1: unknown; the
--       fleet's bucket never believes in more than the server does)
local fam = KEYS[3]
local ttl = tonumber(ARGV[7])
local recovery = tonumber(ARGV[9])
local probe = 0
if ARGV[8] == '1' then
  local open_until = num(redis.call('HGET', KEYS[1], 'open_until'))
  if tonumber(ARGV[10]) > 0 and open_until == 0 then
    redis.call('HSET', KEYS[1], 'failures', 0)
    redis.call('PEXPIRE', KEYS[1], math.max(ttl, math.floor(recovery * 2000) + 60000))
  end
  if open_until > now then
    return {'open', tostring(open_until - now), '0', '0'}
  end
  if open_until > 0 then
    if redis.call('SET', KEYS[2], '1', 'NX', 'PX', math.floor(recovery * 1000) + 1) then
      probe = 1
    else
      return {'open', tostring(recovery), '0', '0'}
    end
  end
end
local h = redis.call('HMGET', fam, 'rrate', 'rtat', 'trate', 'ttat', 'paused')
local rrate = tonumber(ARGV[1])
if rrate <= 0 then rrate = num(h[1]) end
local trate = tonumber(ARGV[2])
if trate <= 0 then trate = num(h[3]) end
local rtat = num(h[2])
local ttat = num(h[4])
if rrate > 0 then rtat = rtat + tonumber(ARGV[12]) * 60 / rrate end
if trate > 0 then ttat = ttat + tonumber(ARGV[11]) * 60 / trate end
local burst = tonumber(ARGV[4])
local function at_most(tat, per_minute, left)
  if left < 0 then return tat end
  local rate = per_minute / 60
  return math.max(tat, now + math.max(burst, 1 / rate) - left / rate)
end
if rrate > 0 then rtat = at_most(rtat, rrate, tonumber(ARGV[13])) end
if trate > 0 then ttat = at_most(ttat, trate, tonumber(ARGV[14])) end
local tokens = tonumber(ARGV[3])
local delay = tonumber(ARGV[5])
local start = math.max(now + delay, num(h[5]))
local function allowed(tat, per_minute, cost)
  local rate = per_minute / 60
  local span = cost / rate
  local tau = math.max(burst, 1 / rate)
  return math.max(tat, now) + span - math.max(tau, span)
end
if rrate > 0 then start = math.max(start, allowed(rtat, rrate, 1)) end
if trate > 0 and tokens > 0 then start = math.max(start, allowed(ttat, trate, tokens)) end
local wait = start - now
local max_wait = tonumber(ARGV[6])
local status = 'ok'
if max_wait >= 0 and wait > max_wait + delay then
  status = 'timeout'
  if probe == 1 then redis.call('DEL', KEYS[2]) end
else
  if rrate > 0 then rtat = math.max(rtat, start) + 60 / rrate end
  if trate > 0 and tokens > 0 then ttat = math.max(ttat, start) + tokens * 60 / trate end
  if probe == 1 then status = 'probe' end
end
if rrate > 0 or trate > 0 then
  redis.call('HSET', fam, 'rrate', rrate, 'rtat', rtat, 'trate', trate, 'ttat', ttat)
  redis.call('PEXPIRE', fam, ttl)
end
return {status, tostring(wait), tostring(rrate), tostring(trate)}
""",
)

REPORT = Script(
    "report",
    _PRELUDE
    + """
-- KEYS: breaker, probe, family
-- ARGV: verdict (failure|success|ignored|none), threshold, recovery, pause, was_probe, ttl_ms
local ttl = tonumber(ARGV[6])
local recovery = tonumber(ARGV[3])
local pause = tonumber(ARGV[4])
if pause > 0 then
  local paused = num(redis.call('HGET', KEYS[3], 'paused'))
  redis.call('HSET', KEYS[3], 'paused', math.max(paused, now + pause))
  redis.call('PEXPIRE', KEYS[3], ttl)
end
local verdict = ARGV[1]
if verdict == 'failure' then
  local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
  local open_until = num(redis.call('HGET', KEYS[1], 'open_until'))
  if ARGV[5] == '1' or (open_until == 0 and failures >= tonumber(ARGV[2])) then
    redis.call('HSET', KEYS[1], 'open_until', now + recovery)
    redis.call('DEL', KEYS[2])
  end
elseif verdict == 'success' and ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 'failures', 0, 'open_until', 0)
  redis.call('DEL', KEYS[2])
elseif verdict == 'ignored' and ARGV[5] == '1' then
  redis.call('DEL', KEYS[2])
end
if verdict ~= 'none' then
  redis.call('PEXPIRE', KEYS[1], math.max(ttl, math.floor(recovery * 2000) + 60000))
end
return 1
""",
)


def namespace_prefix(base_url: str, api_key: Optional[str]) -> str:
    """``openai_accel:<hash>:``: one namespace per (base URL, key); the key is not in it."""
    material = f"{base_url.rstrip('/')}\0{api_key or ''}".encode()
    return f"openai_accel:{hashlib.sha256(material).hexdigest()[:24]}:"


def family_keys(prefix: str, family: str) -> List[str]:
    return [prefix + "breaker", prefix + "probe", prefix + "f:" + (family or "-")]


@attrs.frozen
class AdmitReply:
    status: str  # ok, probe, open, timeout
    wait: float
    requests_per_minute: float
    tokens_per_minute: float


def _text(value: Any) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def decode_admit(reply: Any) -> AdmitReply:
    """The ADMIT script's reply; SharedStateUnavailable if it is not one (never trust I/O)."""
    try:
        status, wait, rpm, tpm = (_text(v) for v in reply)
        decoded = AdmitReply(status, float(wait), float(rpm), float(tpm))
    except (TypeError, ValueError) as exc:
        raise SharedStateUnavailable(f"unexpected reply from the admit script: {reply!r}") from exc
    if decoded.status not in ("ok", "probe", "open", "timeout"):
        raise SharedStateUnavailable(f"unexpected status from the admit script: {status!r}")
    return decoded


def admit_args(
    rates: Tuple[Optional[float], Optional[float]],
    tokens: int,
    *,
    burst: float,
    delay: float,
    max_wait: Optional[float],
    ttl_ms: int,
    breaker_on: bool,
    recovery: float,
    successes: int,
    deltas: Tuple[float, float],
    left: Tuple[Optional[float], Optional[float]] = (None, None),
) -> Sequence[Any]:
    rpm, tpm = rates
    left_requests, left_tokens = (-1.0 if v is None else float(v) for v in left)
    return [
        repr(float(rpm or 0)),
        repr(float(tpm or 0)),
        str(int(tokens)),
        repr(float(burst)),
        repr(float(delay)),
        repr(-1.0 if max_wait is None else float(max_wait)),
        str(int(ttl_ms)),
        "1" if breaker_on else "0",
        repr(float(recovery)),
        str(int(successes)),
        repr(float(deltas[1])),
        repr(float(deltas[0])),
        repr(left_requests),
        repr(left_tokens),
    ]
