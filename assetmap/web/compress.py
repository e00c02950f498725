"""Gzip for the map's data: a browse view of 10,000 activities is about 2.5 MB of GeoJSON, 0.4 MB gzipped.

Only JSON and GeoJSON answers are compressed, only for a browser that says it accepts gzip, and a
streamed answer (the GeoJSON export) stays streamed: each chunk is compressed as it goes. A proxy
in front of the app may compress too; an answer that already names its encoding is left alone.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from flask import Flask, Response, request

TYPES = {"application/json", "application/geo+json"}
MIN_BYTES = 2048   # smaller answers gain less than the work costs
LEVEL = 5          # most of the saving for a fraction of level 9's time


def init_app(app: Flask) -> None:
    app.after_request(compress)


def compress(response: Response) -> Response:
    if response.mimetype not in TYPES or response.status_code != 200 or "Content-Encoding" in response.headers:
        return response
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] <= 0:
        return response
    if response.is_streamed:
        response.response = gzip_chunks(response.response)
        response.headers.pop("Content-Length", None)
    else:
        body = response.get_data()
        if len(body) < MIN_BYTES:
            return response
        response.set_data(gzip_bytes(body))
    response.headers["Content-Encoding"] = "gzip"
    return response


def gzip_bytes(body: bytes) -> bytes:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)   # 31: a gzip header and trailer
    return packer.compress(body) + packer.flush()


def gzip_chunks(chunks: Iterable[bytes | str]) -> Iterator[bytes]:
    """The same bytes gzipped as they come; the source is closed with the answer (a streamed export's context with it)."""
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)
    try:
        for chunk in chunks:
            data = packer.compress(chunk.encode() if isinstance(chunk, str) else chunk)
            if data:
                yield data
        yield packer.flush()
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
