"""The OpenAPI 3.1 document for ``/api/``, built from the code it describes.

The search arguments come from ``params.ARGUMENTS`` and the choices from ``vocab``, so a new argument
or day cannot be missed here; the item schemas follow ``present.to_item``. Tests keep it true:
every ``/api/`` route is in it and nothing else (``tests/web/test_openapi.py``), and schemathesis sends
generated requests to each operation and checks every answer against it (no server errors, no
status, media type or body the document does not allow).
"""

from __future__ import annotations

import functools

from assetmap import __version__, taxonomy
from assetmap.coverage import LEVELS as COVERAGE_LEVELS
from assetmap.coverage.board_map import MEASURES
from assetmap.search.params import MAX_RADIUS_KM
from assetmap.vocab import CAPACITY_LABELS, DAYS, DELIVERY_MODES, FRESHNESS_STATES, STATUSES, TIMES_OF_DAY

from .params import ARGUMENTS, MAX_DIGITS, MAX_PER_PAGE

NULLABLE_STRING = {"type": ["string", "null"]}
STRINGS = {"type": "array", "items": {"type": "string"}}
ERROR = {"$ref": "#/components/schemas/Error"}

ARGUMENT_HELP = {
    "q": ("What to look for, in everyday words (\"walking\", \"lonely\", \"food bank\"); a postcode or place in it is used as `near`.",
          {"type": "string"}),
    "near": ("A postcode, postcode district, place name or \"lat,lon\": results are sorted by distance from it.", {"type": "string"}),
    "radius_km": ("Only activities within this many kilometres of `near` (plus online and phone services for that area).",
                  {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS_KM}),
    "category": ("Activity types (taxonomy slugs such as `walking`, `befriending`); repeat for several.", STRINGS),
    "audience": ("Who it is for, as written in the records (\"Older people\"); repeat for several.", STRINGS),
    "day": ("Days it meets; repeat for several.", {"type": "array", "items": {"type": "string", "enum": list(DAYS)}}),
    "time": ("Times of day it meets; repeat for several.", {"type": "array", "items": {"type": "string", "enum": list(TIMES_OF_DAY)}}),
    "delivery": ("How it happens; repeat for several.", {"type": "array", "items": {"type": "string", "enum": list(DELIVERY_MODES)}}),
    "accessibility": ("Access features, as written in the records (\"Step-free\"); repeat for several.", STRINGS),
    "capacity": ("Whether it takes new people; repeat for several.", {"type": "array", "items": {"type": "string", "enum": list(CAPACITY_LABELS)}}),
    "free": ("Only activities that are free to join.", {"type": "boolean"}),
    "status": ("`active` (the default: running, paused ones last), `paused`, `closed` or `all`.",
               {"type": "string", "enum": [*STATUSES, "all"]}),
    "freshness": ("Only records in this freshness state (see `freshness.state`).", {"type": "string", "enum": list(FRESHNESS_STATES)}),
    "page": ("Page of results, from 1.", {"type": "integer", "minimum": 1, "maximum": 10_000}),
    "per_page": (f"Results per page, at most {MAX_PER_PAGE}.", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}),
}
UNDESCRIBED = {"text": {"type": "string"}, "number": {"type": "number"}, "list": STRINGS, "flag": {"type": "boolean"}, "int": {"type": "integer"}}
EXPORT_NOTE = " Exports give every matching activity, so `page` and `per_page` are checked but not used."
BBOX = {"name": "bbox", "in": "query", "required": False, "description": "A box, `west,south,east,north` in degrees (WGS84).",
        "schema": {"type": "string", "pattern": r"^-?\d{1,3}(\.\d+)?(,-?\d{1,3}(\.\d+)?){3}$"}, "example": "-2.40,53.40,-2.28,53.47"}


def _search_parameters() -> list[dict]:
    """One parameter per search argument; lists are repeated (``day=tue&day=thu``)."""
    out = []
    for name, (_, kind) in ARGUMENTS.items():
        description, schema = ARGUMENT_HELP.get(name) or ("(not yet described)", UNDESCRIBED[kind])   # a test asks for each
        parameter = {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
        if schema.get("type") == "array":
            parameter |= {"style": "form", "explode": True}
        out.append(parameter)
    return out


def _json(schema: dict, description: str, media: str = "application/json") -> dict:
    return {"description": description, "content": {media: {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    words = {400: "An argument could not be used; `error` says which and why.", 404: "No such activity.",
             429: "Too many requests from one address; wait a minute.", 503: "The search index is not ready yet."}
    return {str(status): _json(ERROR, words[status]) for status in statuses}


def _download(media: str, description: str) -> dict:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}},
            "headers": {"Content-Disposition": {"description": "`attachment` with a dated file name.", "schema": {"type": "string"}}}}


def _operation(summary: str, description: str, parameters: list[dict], responses: dict, tag: str = "activities") -> dict:
    return {"get": {"summary": summary, "description": description, "tags": [tag], "parameters": parameters, "responses": responses,
                    "operationId": summary.lower().replace(" ", "_").replace("'", "")}}


def _coverage_parameters() -> list[dict]:
    """The arguments ``web.coverage.coverage_query`` reads."""
    def one(name, description, schema):
        return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
    return [one("level", "Areas compared: ward, lad (council), stp or icb (the default).", {"type": "string", "enum": list(COVERAGE_LEVELS)}),
            one("within", "Only areas inside this larger area (its ONS code).", {"type": "string"}),
            one("category", "Count only activities of this type.", {"type": "string", "enum": list(taxonomy.SLUGS)}),
            one("delivery", "Count only activities run this way.", {"type": "string", "enum": list(DELIVERY_MODES)}),
            one("fresh_only", "Count only records checked recently.", {"type": "boolean"}),
            one("measure", "The figure the page's map colours by (the rows are the same).", {"type": "string", "enum": list(MEASURES)})]


def _paths() -> dict:
    search = _search_parameters()
    activity_id = [{"name": "activity_id", "in": "path", "required": True, "description": "The activity's id.", "schema": {"type": "string"}}]
    compact = {"name": "compact", "in": "query", "required": False, "schema": {"type": "boolean"},
               "description": "Only `id`, `name`, `freshness` (the state) and `categories` per feature: what a map marker needs "
                              "(its page is `/activities/{id}`)."}
    geojson_ok = _json({"$ref": "#/components/schemas/ActivityCollection"}, "Every located match, as GeoJSON points.", "application/geo+json")
    geojson_ok["headers"] = {"ETag": {"description": "Changes when the data, the day or the arguments do.", "schema": {"type": "string"}},
                             "Cache-Control": {"description": "Browsers may reuse the answer for a minute.", "schema": {"type": "string"}}}
    return {
        "/api/": _operation("API page", "This API described for people, with an example link for each endpoint.", [],
                            {"200": {"description": "An HTML page.", "content": {"text/html": {"schema": {"type": "string"}}}}}, "about"),
        "/api/openapi.json": _operation("OpenAPI document", "This document.", [],
                                        {"200": _json({"type": "object"}, "The OpenAPI 3.1 document.")}, "about"),
        "/api/activities": _operation(
            "Search activities", "One page of the search the website shows, best first, with facet counts.", search,
            {"200": _json({"$ref": "#/components/schemas/SearchResults"}, "A page of results."), **_errors(400, 429, 503)}),
        "/api/activities.csv": _operation(
            "Search as CSV", "Every match as a spreadsheet (UTF-8 with a byte-order mark; cells a spreadsheet would run as a formula "
            "start with an apostrophe)." + EXPORT_NOTE, search,
            {"200": _download("text/csv", "One row per activity."), **_errors(400, 503)}),
        "/api/activities.geojson": _operation(
            "Search as GeoJSON", "Every located match as GeoJSON points, streamed." + EXPORT_NOTE, [*search, BBOX, compact],
            {"200": geojson_ok, "304": {"description": "Not modified since the ETag sent in If-None-Match."}, **_errors(400, 429, 503)}),
        "/api/activities.ics": _operation(
            "Search as a calendar", "Every match's sessions as iCalendar (RFC 5545) events in Europe/London time: a rule becomes a "
            "recurring event, a dated event a single one; schedules with no fixed dates give none." + EXPORT_NOTE, search,
            {"200": _download("text/calendar", "An iCalendar file."), **_errors(400, 503)}),
        "/api/activities/{activity_id}": _operation(
            "One activity", "Everything public about one activity, with who set each field.", activity_id,
            {"200": _json({"$ref": "#/components/schemas/ActivityDetail"}, "The activity."), **_errors(404)}),
        "/activities/{activity_id}.ics": _operation(
            "One activity's calendar", "The activity's sessions as iCalendar events (beside its page, not under /api/).", activity_id,
            {"200": _download("text/calendar", "An iCalendar file."),
             "404": {"description": "No such activity, or its schedule pins no date.", "content": {"text/html": {"schema": {"type": "string"}}}}}),
        "/api/coverage": _operation(
            "Coverage by area", "For each area of a level: activities located there and reaching it, access, population, "
            "deprivation and the gap score (the rule is in `rule`), as the /coverage page shows them.", _coverage_parameters(),
            {"200": _json({"$ref": "#/components/schemas/Coverage"}, "One row per area."), **_errors(400)}, "areas"),
        "/api/areas.geojson": _operation(
            "Area outlines", "Simplified boundaries of one kind of area inside a box, for a map layer.",
            [{"name": "kind", "in": "query", "required": False, "description": "ward (default), lad, stp or icb.",
              "schema": {"type": "string", "enum": ["ward", "lad", "stp", "icb"]}}, BBOX | {"required": True}],
            {"200": _json({"$ref": "#/components/schemas/AreaCollection"}, "Outlines as GeoJSON.", "application/geo+json"), **_errors(400)},
            "areas"),
    }


def _schemas() -> dict:
    areas = {"type": "object", "properties": {k: NULLABLE_STRING for k in ("ward", "lad", "stp", "icb")}}
    freshness = {"type": "object", "required": ["state", "label"], "properties": {
        "state": {"type": "string", "enum": list(FRESHNESS_STATES)}, "last_verified": {"type": ["string", "null"], "format": "date"},
        "verified_by": NULLABLE_STRING, "method": NULLABLE_STRING, "source": NULLABLE_STRING,
        "label": {"type": "string", "description": "When it was last checked and by whom, in plain English."}}}
    also = {"type": "array", "items": {"type": "object", "required": ["id", "source"], "properties": {
        "id": {"type": "string"}, "source": {"type": "string"}, "last_verified": {"type": ["string", "null"], "format": "date"}}}}
    item = {"type": "object", "required": ["id", "name", "freshness", "url", "status"], "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "organisation": NULLABLE_STRING, "description": NULLABLE_STRING,
        "categories": STRINGS, "lat": {"type": ["number", "null"]}, "lon": {"type": ["number", "null"]}, "delivery": STRINGS,
        "status": {"type": "string", "enum": list(STATUSES)}, "areas": areas, "freshness": {"$ref": "#/components/schemas/Freshness"},
        "flags": STRINGS, "schedule_text": NULLABLE_STRING, "cost_text": NULLABLE_STRING, "is_free": {"type": ["boolean", "null"]},
        "url": {"type": "string", "description": "The activity's page on this site."}, "address": NULLABLE_STRING, "postcode": NULLABLE_STRING,
        "phone": NULLABLE_STRING, "website": {"type": ["string", "null"], "description": "Only ever an http(s) address."},
        "distance_km": {"type": ["number", "null"], "description": "Only when the search was near a place."},
        "also_listed": {"$ref": "#/components/schemas/AlsoListed"}}}
    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    provenance = {"type": "object", "additionalProperties": {"type": "object", "properties": {
        "by": {"type": "string", "enum": ["editor", "source"]}, "name": {"type": "string"}, "date": {"type": ["string", "null"], "format": "date"}}}}
    compact = {"type": "object", "required": ["id", "name", "freshness", "categories"], "additionalProperties": False, "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "freshness": {"type": "string", "enum": list(FRESHNESS_STATES)},
        "categories": STRINGS}}
    point = {"type": "object", "required": ["type", "coordinates"], "properties": {
        "type": {"const": "Point"}, "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}}}
    return {
        "Error": {"type": "object", "required": ["ok", "error", "status"], "properties": {
            "ok": {"const": False}, "error": {"type": "string"}, "status": {"type": "integer"}}},
        "Freshness": freshness, "AlsoListed": also, "Item": item,
        "ExportItem": {"allOf": [{"$ref": "#/components/schemas/Item"}, {"type": "object", "properties": {
            "venue": NULLABLE_STRING, "audience": STRINGS, "accessibility": STRINGS}}]},
        "ActivityDetail": {"allOf": [{"$ref": "#/components/schemas/Item"}, {"type": "object", "required": ["provenance"],
                                                                              "properties": {"provenance": provenance}}]},
        "SearchResults": {"type": "object", "required": ["items", "total", "facets", "page", "per_page", "near", "suggestion"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}, "total": {"type": "integer", "minimum": 0},
            "facets": {"type": "object", "additionalProperties": counts}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
            "near": {"type": ["object", "null"], "properties": {"lat": {"type": "number"}, "lon": {"type": "number"},
                                                                "label": {"type": "string"}, "precision": {"type": "string"}}},
            "suggestion": NULLABLE_STRING}},
        "CompactProperties": compact,
        "Coverage": {"type": "object", "required": ["level", "rule", "areas"], "properties": {
            "level": {"type": "string"}, "within": NULLABLE_STRING, "category": NULLABLE_STRING, "delivery": NULLABLE_STRING,
            "fresh_only": {"type": "boolean"}, "rule": {"type": "string"}, "areas": {"type": "array", "items": {
                "type": "object", "required": ["code", "name", "level"], "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"}, "level": {"type": "string"},
                    "activities": {"type": "integer"}, "population": {"type": ["integer", "null"]},
                    "gap_score": {"type": ["number", "null"]}}}}}},
        "ActivityCollection": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"const": "FeatureCollection"}, "features": {"type": "array", "items": {
                "type": "object", "required": ["type", "geometry", "properties"], "properties": {
                    "type": {"const": "Feature"}, "geometry": point, "properties": {"anyOf": [
                        {"$ref": "#/components/schemas/ExportItem"}, {"$ref": "#/components/schemas/CompactProperties"}]}}}}}},
        "AreaCollection": {"type": "object", "required": ["type", "features"], "properties": {
            "type": {"const": "FeatureCollection"}, "features": {"type": "array", "items": {
                "type": "object", "required": ["type", "geometry", "properties"], "properties": {
                    "type": {"const": "Feature"}, "geometry": {"type": "object"}, "properties": {"type": "object", "properties": {
                        "code": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string"}}}}}}}},
    }


@functools.cache
def document() -> dict:
    """The whole document; the same for every request (built once per process)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "assetmap API", "version": __version__, "summary": "Community activities and groups: search, exports, areas.",
                 "description": "Read-only, no key needed. Data as in the directory; each record says when it was last checked. "
                                "Errors are JSON: `{\"ok\": false, \"error\": \"…\", \"status\": 400}`. "
                                f"Numbers in `page`/`per_page` are plain digits, at most {MAX_DIGITS}.",
                 "license": {"name": "Open Government Licence v3.0", "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}},
        "servers": [{"url": "/"}],
        "paths": _paths(),
        "components": {"schemas": _schemas()},
    }
