"""A GeoJSON FeatureCollection written feature by feature, so ten thousand points never sit in memory as one document."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

FEATURES_PER_CHUNK = 200
CHUNK_BYTES = 256 * 1024   # or sooner, when features come already written, many to a piece
HEAD = b'{"type":"FeatureCollection","features":['
TAIL = b"]}"


def point_feature(lon: float, lat: float, properties: dict) -> dict:
    """A GeoJSON Point feature (RFC 7946: longitude first)."""
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def feature_collection_chunks(features: Iterable[dict | bytes]) -> Iterator[bytes]:
    """The collection's bytes, ``FEATURES_PER_CHUNK`` features to a chunk; valid JSON once joined, even when empty.

    A feature is a dict, or its JSON already written: bytes holding one or more features separated by
    commas (the map's kept points, ``web/map_points.py``, a batch at a time).
    """
    parts, first, size = [HEAD], True, 0
    for feature in features:
        if not first:
            parts.append(b",")
        data = feature if isinstance(feature, bytes) else orjson.dumps(feature)
        parts.append(data)
        first, size = False, size + len(data)
        if len(parts) >= 2 * FEATURES_PER_CHUNK or size >= CHUNK_BYTES:
            yield b"".join(parts)
            parts, size = [], 0
    parts.append(TAIL)
    yield b"".join(parts)
