"""A GeoJSON FeatureCollection written feature by feature, so ten thousand points never sit in memory as one document."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import orjson

FEATURES_PER_CHUNK = 200
HEAD = b'{"type":"FeatureCollection","features":['
TAIL = b"]}"


def point_feature(lon: float, lat: float, properties: dict) -> dict:
    """A GeoJSON Point feature (RFC 7946: longitude first)."""
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": properties}


def feature_collection_chunks(features: Iterable[dict]) -> Iterator[bytes]:
    """The collection's bytes, ``FEATURES_PER_CHUNK`` features to a chunk; valid JSON once joined, even when empty."""
    parts, first = [HEAD], True
    for feature in features:
        parts.append(orjson.dumps(feature) if first else b"," + orjson.dumps(feature))
        first = False
        if len(parts) >= FEATURES_PER_CHUNK:
            yield b"".join(parts)
            parts = []
    parts.append(TAIL)
    yield b"".join(parts)
