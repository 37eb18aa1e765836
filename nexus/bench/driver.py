"""The load driver used when wrk is not installed: `python -m nexus.bench.driver` reads
a run (url, bodies, headers, concurrency, seconds) as JSON on stdin and prints the result
as `nexus.bench.wrk` does. A separate process, so its CPU is not the server's; closed
loop, keep-alive connections, every response checked."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx

__all__ = ["drive"]


async def drive(
    url: str,
    bodies: list[str],
    headers: list[dict[str, str]],
    *,
    concurrency: int,
    seconds: int,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        deadline = time.monotonic() + seconds

        async def client_loop(offset: int) -> None:
            nonlocal errors
            i = offset
            while time.monotonic() < deadline:
                started = time.perf_counter()
                response = await client.post(
                    url,
                    content=bodies[i % len(bodies)],
                    headers={"content-type": "application/json", **headers[i % len(headers)]},
                )
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200 or b'"errors":' in response.content:
                    errors += 1
                i += 1

        started = time.monotonic()
        await asyncio.gather(*(client_loop(n) for n in range(concurrency)))
        elapsed = time.monotonic() - started
    latencies.sort()

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "errors": errors,
        "socket_errors": 0,
        "p50_ms": percentile(0.5) if latencies else 0.0,
        "p99_ms": percentile(0.99) if latencies else 0.0,
    }


def main() -> None:
    run = json.load(sys.stdin)
    result = asyncio.run(
        drive(
            run["url"],
            run["bodies"],
            run["headers"],
            concurrency=run["concurrency"],
            seconds=run["seconds"],
        )
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
