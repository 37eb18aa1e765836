"""Reading a response body under a size limit, decompressing it ourselves.

httpx inflates each network chunk whole: 64 KiB of gzip can hold some 64 MiB of zeros. Here
zlib is asked for at most what the limit still allows, so a decompression bomb stops at the
limit with E_CONTENT_TOO_LARGE and memory never holds more than the limit and a chunk."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable

from nexus.errors import ErrorCode
from nexus.ingest.errors import IngestError

__all__ = ["ACCEPT_ENCODING", "content_too_large", "read_bounded_body"]

ACCEPT_ENCODING = "gzip, deflate"
"""The content codings read_bounded_body decodes, to send as Accept-Encoding."""


async def read_bounded_body(
    chunks: AsyncIterable[bytes], *, content_encoding: str | None, max_bytes: int
) -> bytes:
    """The body decoded from its Content-Encoding (none, gzip or deflate). IngestError:
    E_CONTENT_TOO_LARGE once more than `max_bytes` arrive or come out of decompression,
    E_UNSUPPORTED_CONTENT for another coding, E_INGEST_FAILED for a damaged stream."""
    decoder = _Decoder(content_encoding)
    body = bytearray()
    received = 0
    async for chunk in chunks:
        received += len(chunk)
        if received > max_bytes:
            raise content_too_large(max_bytes)
        body += decoder.decode(chunk, max_bytes - len(body) + 1)
        if len(body) > max_bytes:
            raise content_too_large(max_bytes)
    body += decoder.finish(max_bytes - len(body) + 1)
    if len(body) > max_bytes:
        raise content_too_large(max_bytes)
    return bytes(body)


class _Decoder:
    """One content coding; `decode` and `finish` return at most `max_length` bytes."""

    def __init__(self, content_encoding: str | None) -> None:
        coding = (content_encoding or "identity").strip().lower()
        self._inflate: zlib._Decompress | None = None
        # "deflate" is meant to be zlib-wrapped, but servers also send it raw.
        self._may_be_raw_deflate = coding == "deflate"
        if coding in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS)
        elif coding not in ("identity", ""):
            raise IngestError(
                ErrorCode.E_UNSUPPORTED_CONTENT,
                f"The page is compressed as {coding[:40]}, which the server cannot read.",
            )

    def decode(self, data: bytes, max_length: int) -> bytes:
        if self._inflate is None:
            return data
        try:
            try:
                output = self._inflate.decompress(data, max_length)
            except zlib.error:
                if not self._may_be_raw_deflate:
                    raise
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                output = self._inflate.decompress(data, max_length)
        except zlib.error:
            raise IngestError(
                ErrorCode.E_INGEST_FAILED, "The page's compressed body is damaged."
            ) from None
        self._may_be_raw_deflate = False
        return output

    def finish(self, max_length: int) -> bytes:
        return b"" if self._inflate is None else self._inflate.flush(max_length)


def content_too_large(max_bytes: int) -> IngestError:
    """The E_CONTENT_TOO_LARGE error of a body over `max_bytes`."""
    mebibytes, rest = divmod(max_bytes, 1024 * 1024)
    limit = f"{mebibytes} MiB" if mebibytes and not rest else f"{max_bytes:,} bytes"
    return IngestError(ErrorCode.E_CONTENT_TOO_LARGE, f"The page is larger than {limit}.")
