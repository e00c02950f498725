"""The ORUK 3.0 JSON Schemas from ../shared/specs, with their absolute ``$ref``s resolved to the local files.

What the national validator checks, offline: each response against the schema its OpenAPI names,
with formats checked too (uuid, email, uri, date-time), which ``jsonschema`` leaves out by default.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from urllib.parse import urlsplit

import jsonschema
import referencing
from referencing.jsonschema import DRAFT202012

from ..conftest import SHARED_DATA

SPEC_DIR = SHARED_DATA.parent / "specs" / "oruk-3.0"
SCHEMA_BASE = "https://openreferraluk.org/specifications/3.0/schema/"


def _checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value) -> bool:
        return not isinstance(value, str) or dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None

    @checker.checks("uri", raises=ValueError)
    def _uri(value) -> bool:
        parts = urlsplit(value) if isinstance(value, str) else None
        return parts is None or bool(parts.scheme and (parts.netloc or parts.scheme == "mailto"))
    return checker


@functools.lru_cache(maxsize=1)
def registry() -> referencing.Registry:
    files = sorted((SPEC_DIR / "schema").glob("*.json"))
    if not files:
        raise FileNotFoundError(f"ORUK schemas not found in {SPEC_DIR}: the tests need ../shared/specs beside the project")
    resources = [(SCHEMA_BASE + f.name, DRAFT202012.create_resource(json.loads(f.read_text()))) for f in files]
    return referencing.Registry().with_resources(resources)


@functools.cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = registry().contents(SCHEMA_BASE + name)
    return jsonschema.Draft202012Validator(schema, registry=registry(), format_checker=_checker())


def errors(name: str, document) -> list[str]:
    """Every way ``document`` breaks schema ``name`` ("service.json"), as readable lines."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(document)]


def openapi() -> dict:
    return json.loads((SPEC_DIR / "openapi.json").read_text())
