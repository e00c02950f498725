"""Query arguments → ``SearchParams``, in one declarative place shared by pages and the API."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from assetmap.search import SearchParams
from assetmap.search.params import check_params

from .errors import BadRequest

MAX_PER_PAGE = 100
MAX_DIGITS = 6   # page and per_page: more digits than any page number there can be
# argument name → (SearchParams field, kind)
ARGUMENTS = {
    "q": ("text", "text"), "near": ("near", "text"), "radius_km": ("radius_km", "number"),
    "category": ("categories", "list"), "audience": ("audience", "list"), "day": ("days", "list"),
    "time": ("times", "list"), "delivery": ("delivery", "list"), "accessibility": ("accessibility", "list"), "capacity": ("capacity", "list"),
    "free": ("free_only", "flag"), "status": ("status", "text"), "freshness": ("freshness", "text"),
    "page": ("page", "int"), "per_page": ("per_page", "int"),
}
BBOX = "bbox"


def _value(args: MultiDict, name: str, kind: str):
    if kind == "list":
        return tuple(v for v in args.getlist(name) if v.strip())
    raw = args.get(name, "").strip()
    if kind == "flag":
        return raw.lower() in ("1", "true", "yes", "on")
    if kind == "int":
        return raw or None
    if kind == "number":
        return raw or None
    return raw


def search_params(args: MultiDict, per_page: int = 20) -> SearchParams:
    """Validated parameters, or BadRequest naming the argument and what was expected."""
    values = {}
    for name, (field, kind) in ARGUMENTS.items():
        value = _value(args, name, kind)
        if value not in (None, "", ()):
            values[field] = value
    values.setdefault("per_page", per_page)
    values.setdefault("page", 1)
    for name in ("page", "per_page"):
        field = ARGUMENTS[name][0]
        raw = str(values[field])
        if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS):   # "²" is a digit to str.isdigit; int() refuses 4,301 digits
            raise BadRequest(f"{name} must be a whole number (digits 0-9, at most {MAX_DIGITS}), not {raw[:20]!r}")
        values[field] = int(values[field])
    if values["per_page"] > MAX_PER_PAGE:
        raise BadRequest(f"per_page must be at most {MAX_PER_PAGE}")
    return check_params(SearchParams(**values))


def bounding_box(args: MultiDict) -> tuple[float, float, float, float] | None:
    """``bbox=west,south,east,north`` in degrees, or None."""
    raw = args.get(BBOX, "").strip()
    if not raw:
        return None
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except ValueError as exc:
        raise BadRequest("bbox must be four numbers: west,south,east,north (longitude and latitude)") from exc
    if not (west < east and south < north):
        raise BadRequest("bbox must have west < east and south < north")
    return west, south, east, north

