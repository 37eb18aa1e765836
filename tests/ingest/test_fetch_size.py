"""reading.md, Fetching: at most max_bytes of decoded body; a decompression bomb stops at
the limit without being inflated whole; gzip and deflate are decoded, other codings refused."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Callable
from functools import cache

import pytest

from nexus.errors import ErrorCode
from nexus.ingest.errors import IngestError
from nexus.ingest.fetch import FetchLimits, fetch_page
from tests.ingest.pages_server import HTML, PagesServer, Reply

MAX_BYTES = 64 * 1024
LIMITS = FetchLimits(
    connect_timeout_seconds=2, fetch_timeout_seconds=5, max_bytes=MAX_BYTES, max_redirects=5
)
PAGE = b"<!doctype html><p>" + b"Lorem ipsum dolor sit amet. " * 1000 + b"</p>"


@cache
def gzip_bomb(decoded_bytes: int = 100 * 1024 * 1024) -> bytes:
    """`decoded_bytes` of zeros gzipped (about 1,000 times smaller), built a MiB at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    parts = [compressor.compress(zeros) for _ in range(decoded_bytes // len(zeros))]
    return b"".join([*parts, compressor.flush()])


async def fetched(reply: Reply) -> bytes:
    async with PagesServer() as server:
        server.pages["/"] = reply
        page = await fetch_page(server.url("/"), limits=LIMITS, allow_hosts=server.allow_hosts)
    return page.body


async def size_error(reply: Reply) -> IngestError:
    with pytest.raises(IngestError) as raised:
        await fetched(reply)
    return raised.value


async def test_a_body_of_exactly_the_limit_is_accepted() -> None:
    body = PAGE[:MAX_BYTES].ljust(MAX_BYTES, b" ")
    assert await fetched(Reply(body=body)) == body
    assert await fetched(Reply(chunks=[body[:1000], body[1000:]])) == body


async def test_a_declared_content_length_over_the_limit_is_refused_before_reading() -> None:
    # The server declares a huge body and then sends nothing: waiting would time out.
    reply = Reply(headers=[("Content-Type", HTML), ("Content-Length", "999999999")], stall=True)
    error = await size_error(reply)
    assert (error.code, error.transient) == (ErrorCode.E_CONTENT_TOO_LARGE, False)
    assert error.message == "The page is larger than 65,536 bytes."


async def test_a_body_without_content_length_stops_at_the_limit() -> None:
    error = await size_error(Reply(chunks=[b"<p>" + b"x" * 1021] * 200))
    assert error.code is ErrorCode.E_CONTENT_TOO_LARGE


async def test_a_gzip_bomb_stops_at_the_limit_with_bounded_memory() -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 200 * 1024
    # The limit well above the bomb's own size: only what decompression yields can trip it.
    limits = FetchLimits(
        connect_timeout_seconds=2, fetch_timeout_seconds=5, max_bytes=1024 * 1024, max_redirects=5
    )
    async with PagesServer() as server:
        server.pages["/"] = Reply(
            headers=[("Content-Type", HTML), ("Content-Encoding", "gzip")], body=bomb
        )
        tracemalloc.start()
        try:
            with pytest.raises(IngestError) as raised:
                await fetch_page(server.url("/"), limits=limits, allow_hosts=server.allow_hosts)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert raised.value.code is ErrorCode.E_CONTENT_TOO_LARGE
    # The 1 MiB limit, a network chunk or two and their copies: far from the bomb's 100 MiB.
    assert peak < 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),
        ("identity", lambda data: data),
    ],
)
async def test_gzip_and_deflate_bodies_are_decoded(
    coding: str, encode: Callable[[bytes], bytes]
) -> None:
    reply = Reply(headers=[("Content-Type", HTML), ("Content-Encoding", coding)], body=encode(PAGE))
    assert await fetched(reply) == PAGE


async def test_a_compressed_body_decoding_past_the_limit_is_refused() -> None:
    big = PAGE * 3
    reply = Reply(
        headers=[("Content-Type", HTML), ("Content-Encoding", "gzip")], body=gzip.compress(big)
    )
    assert (await size_error(reply)).code is ErrorCode.E_CONTENT_TOO_LARGE


@pytest.mark.parametrize("coding", ["br", "zstd", "compress", "gzip, gzip"])
async def test_other_content_codings_are_unsupported(coding: str) -> None:
    reply = Reply(headers=[("Content-Type", HTML), ("Content-Encoding", coding)], body=b"\x00\x01")
    assert (await size_error(reply)).code is ErrorCode.E_UNSUPPORTED_CONTENT


async def test_a_damaged_gzip_body_fails() -> None:
    damaged = gzip.compress(PAGE)[:20] + b"\xff" * 64
    reply = Reply(headers=[("Content-Type", HTML), ("Content-Encoding", "gzip")], body=damaged)
    error = await size_error(reply)
    assert (error.code, error.message) == (
        ErrorCode.E_INGEST_FAILED,
        "The page's compressed body is damaged.",
    )


async def test_the_accepted_codings_are_announced() -> None:
    async with PagesServer() as server:
        server.pages["/"] = Reply()
        await fetch_page(server.url("/"), limits=LIMITS, allow_hosts=server.allow_hosts)
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"
