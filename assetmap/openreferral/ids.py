"""Ids for the feed's child records, UUIDv5 of stable keys, so a consumer sees the same ids every day.

Activities and organisations already keep UUIDs across re-imports (``ingest.clean.stable_id``); a
location, schedule, service area, taxonomy term or attribute has no row of its own, so its id is
derived from what it is: the activity's id and the child's content. The same venue at the same
point has the same location id for every activity held there.
"""

from __future__ import annotations

import functools
import hashlib
import uuid

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://assetmap.example/openreferral")
TAXONOMY_ID = str(uuid.uuid5(NAMESPACE, "taxonomy|assetmap-categories"))


def derived(kind: str, *parts: object) -> str:
    """``derived("schedule", activity_id, 0, "WEEKLY TU")``: the same parts always give the same UUID (version 5).

    Worked out as ``uuid.uuid5`` does, without building a UUID object: a full feed derives a dozen ids a record.

    >>> derived("term", "walking") == derived("term", "walking") != derived("term", "singing")
    True
    >>> derived("term", "walking") == str(uuid.uuid5(NAMESPACE, "term|walking"))
    True
    """
    name = "|".join([kind, *(str(p) for p in parts)])
    digest = bytearray(hashlib.sha1(NAMESPACE.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50   # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80   # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@functools.lru_cache(maxsize=256)
def term_id(slug: str) -> str:
    return derived("taxonomy_term", slug)


def service_at_location_id(activity_id: str) -> str:
    return derived("service_at_location", activity_id)
