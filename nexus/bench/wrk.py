"""Drive one query with wrk (a C load generator: cheap on the client side), closed loop.

The requests are formatted once into a Lua script that wrk cycles through; every response
is checked (status 200, no `"errors":`) and the latency percentiles come from wrk's own
histogram.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["WRK", "run_wrk"]

WRK = shutil.which("wrk")

_SCRIPT = """
local requests = {}
local i = 0
failed = 0  -- global: done() reads it from each thread
local threads = {}
function setup(thread) table.insert(threads, thread) end
-- In init, not at load: wrk.format adds the Host header from wrk.host, set by then.
function init(args) requests = {%(requests)s} end
function request()
  i = i %% #requests + 1
  return requests[i]
end
function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors":', 1, true) then failed = failed + 1 end
end
function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("failed") end
  io.write(string.format('{"requests": %%d, "seconds": %%f, "errors": %%d, ' ..
    '"socket_errors": %%d, "p50_ms": %%f, "p99_ms": %%f}\\n',
    summary.requests, summary.duration / 1e6, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout + summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def _script(path: str, bodies: list[bytes], headers: list[dict[str, str]]) -> str:
    formatted = []
    for body, extra in zip(bodies, headers, strict=True):
        head = {"Content-Type": "application/json", **extra}
        call = "wrk.format('POST', %s, {%s}, %s)" % (  # noqa: UP031 (Lua source)
            _lua_string(path),
            ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in head.items()),
            _lua_string(body.decode()),
        )
        formatted.append(call)
    return _SCRIPT % {"requests": ", ".join(formatted)}


def run_wrk(
    url: str,
    bodies: list[bytes],
    headers: list[dict[str, str]],
    *,
    concurrency: int,
    seconds: int,
) -> dict[str, Any]:
    """One measured run: requests, seconds, errors, p50_ms and p99_ms."""
    if WRK is None:
        raise RuntimeError("wrk is not installed")
    base, _, path = url.partition("://")[2].partition("/")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_script("/" + path, bodies, headers))
    try:
        command = [WRK, "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "60s"]
        command += ["-s", script.name]
        out = subprocess.run(  # noqa: S603 (wrk from PATH, our arguments)
            [*command, f"http://{base}/"], check=True, capture_output=True, text=True
        ).stdout
    finally:
        Path(script.name).unlink()
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result
