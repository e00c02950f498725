"""``/openreferral/``: the directory as an Open Referral UK 3.0 feed (HSDS-UK 3.0), for other directories to read.

The views only read arguments and write responses; what is published and how each record looks
is ``assetmap.openreferral``. Every response, errors included, is JSON with
``Access-Control-Allow-Origin: *`` so a finder in a browser on another site can read it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Set as AbstractSet
from pathlib import Path

import orjson
from flask import Blueprint, Response, current_app, jsonify, request, stream_with_context
from werkzeug.exceptions import HTTPException

from assetmap.errors import AssetmapError
from assetmap.openreferral import build, query
from assetmap.openreferral.cache import TimedCache
from assetmap.schedule import local_date
from assetmap.search import SearchError
from assetmap.search.near import resolve_near

from . import get_session, get_settings
from .errors import BadRequest, NotFound, WebError

blueprint = Blueprint("openreferral", __name__, url_prefix="/openreferral")
OPENAPI_FILE = Path(__file__).resolve().parent.parent / "openreferral" / "openapi.json"
DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_MINIMAL_PER_PAGE, MAX_DIGITS = 50, 1000, 100_000, 6
MAX_PROXIMITY_M = 200_000


# --- responses -----------------------------------------------------------------------------------

@blueprint.after_request
def _cors(response: Response) -> Response:
    """Open data: any site may read it (no credentials are ever involved); an answer may be reused as long as the feed does."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if response.status_code == 200 and get_settings().feed_cache_s > 0:
        response.headers["Cache-Control"] = f"public, max-age={get_settings().feed_cache_s}"
    return response


def _cache() -> TimedCache:
    """The app's feed cache, made on first use (``ASSETMAP_FEED_CACHE_S``)."""
    state = current_app.extensions["assetmap"]
    if "openreferral_cache" not in state:
        state["openreferral_cache"] = TimedCache(get_settings().feed_cache_s)
    return state["openreferral_cache"]


def cached(view):
    """Reuse a JSON answer for the same path and arguments (errors and ndjson streams are never kept)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.args.get("format", "").strip().lower() == "ndjson":
            return view(*args, **kwargs)
        key = ("answer", request.path, tuple(sorted(request.args.items(multi=True))), _base())
        body = _cache().get(key)
        if body is None:
            response = view(*args, **kwargs)
            if response.status_code != 200 or response.is_streamed:
                return response
            body = response.get_data()
            _cache().put(key, body)
        return Response(body, mimetype="application/json")
    return wrapper


@blueprint.errorhandler(AssetmapError)
def _error(error: AssetmapError):
    status = error.status if isinstance(error, WebError) else 400
    return jsonify({"ok": False, "error": str(error.message if isinstance(error, WebError) else error), "status": status}), status


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    return jsonify({"ok": False, "error": error.description or error.name, "status": status}), status


@blueprint.errorhandler(Exception)
def _unexpected_error(error: Exception):
    """A feed reader gets JSON even for a bug; the traceback goes to the log."""
    current_app.logger.exception("unexpected error on %s", request.path)
    return jsonify({"ok": False, "error": "Something went wrong on our side. Please try again later.", "status": 500}), 500


def _json(data) -> Response:
    return Response(orjson.dumps(data), mimetype="application/json")


# --- arguments -----------------------------------------------------------------------------------

def _whole(name: str, default: int, low: int = 1, high: int | None = None) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS):
        raise BadRequest(f"{name} must be a whole number (digits 0-9, at most {MAX_DIGITS}), not {raw[:20]!r}")
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise BadRequest(f"{name} must be between {low} and {high}" if high else f"{name} must be at least {low}")
    return value


def _flag(name: str) -> bool:
    return request.args.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _paging(minimal: bool = False) -> tuple[int, int]:
    high = MAX_MINIMAL_PER_PAGE if minimal else MAX_PER_PAGE
    return _whole("page", 1), _whole("per_page", MAX_MINIMAL_PER_PAGE if minimal else DEFAULT_PER_PAGE, high=high)


def _modified_after() -> dt.datetime | None:
    raw = request.args.get("modified_after", "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError as exc:
        raise BadRequest(f"modified_after must be a date or date and time (ISO 8601, e.g. 2026-05-01T00:00:00Z), not {raw[:40]!r}") from exc
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _near() -> query.Near | None:
    postcode, proximity = request.args.get("postcode", "").strip(), request.args.get("proximity", "").strip()
    if not postcode:
        if proximity:
            raise BadRequest("proximity needs a postcode: the distance is measured from the postcode's centre")
        return None
    metres = None
    if proximity:
        try:
            metres = float(proximity)
        except ValueError as exc:
            raise BadRequest(f"proximity must be a distance in metres, not {proximity[:20]!r}") from exc
        if not 0 < metres <= MAX_PROXIMITY_M:
            raise BadRequest(f"proximity must be more than 0 and at most {MAX_PROXIMITY_M} metres")
    try:
        point = resolve_near(get_session(), get_settings(), postcode)
    except SearchError as exc:
        raise BadRequest(str(exc)) from exc
    return query.Near(point.lat, point.lon, tuple(c for c in point.codes.values() if c), metres)


def _filters(placed_only: bool = False, near: bool = False) -> query.Filters:
    args = request.args
    return query.Filters(search=args.get("search", "").strip()[:200], taxonomy_term_id=args.get("taxonomy_term_id", "").strip(),
                         taxonomy_id=args.get("taxonomy_id", "").strip(), organization_id=args.get("organization_id", "").strip(),
                         modified_after=_modified_after(), near=_near() if near else None, placed_only=placed_only)


def _published() -> tuple[frozenset[str], tuple[str, ...]]:
    today = local_date(get_settings().clock())
    return _cache().get_or_make(("published", today), lambda: query.published_ids(get_session(), today))


def _hidden() -> frozenset[str]:
    return _published()[0]


def _context(activities) -> build.Context:
    return query.load_context(get_session(), activities, get_settings().feed_contact_email)


def _ndjson(filters: query.Filters, hidden: AbstractSet[str], make) -> Response:
    """Every matching record, one JSON object a line, streamed in batches: no paging, as ORUK's ``format=ndjson`` asks."""
    session = get_session()

    def lines():
        for batch in query.every(session, filters, hidden):
            context = _context(batch)
            yield b"".join(orjson.dumps(make(a, context)) + b"\n" for a in batch)
    return Response(stream_with_context(lines()), mimetype="application/x-ndjson")


def _activity_list(filters: query.Filters, make, minimal: bool = False) -> Response:
    hidden = _hidden()
    if request.args.get("format", "json").strip().lower() == "ndjson":
        return _ndjson(filters, hidden, make)
    number, per_page = _paging(minimal)
    session = get_session()
    if filters == query.Filters():   # the whole feed: pages of the cached list of published ids
        ids = _published()[1]
        total, found = len(ids), query.by_ids(session, ids[(number - 1) * per_page: number * per_page])
    else:
        total, found = query.count(session, filters, hidden), query.page(session, filters, hidden, number, per_page)
    context = _context(found)
    return _json(build.envelope([make(a, context) for a in found], total, number, per_page))


# --- the API's description -------------------------------------------------------------------------

def _base() -> str:
    """The site's public address when set (``ASSETMAP_BASE_URL``), else the address this request reached."""
    return (get_settings().base_url or request.host_url).rstrip("/")


@blueprint.get("/")
@cached
def api_details():
    return _json({"version": build.API_VERSION, "profile": build.PROFILE_URL, "openapi_url": f"{_base()}/openreferral/openapi.json"})


@functools.lru_cache(maxsize=1)
def _openapi_template() -> dict:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


@blueprint.get("/openapi.json")
@cached
def openapi():
    """The ORUK 3.0 OpenAPI document, with this feed's address and contact filled in."""
    document = json.loads(json.dumps(_openapi_template()))
    document["servers"] = [{"url": f"{_base()}/openreferral", "description": "This directory's Open Referral UK feed"}]
    contact = {"name": "assetmap", "url": f"{_base()}/about"}
    if get_settings().feed_contact_email:
        contact["email"] = get_settings().feed_contact_email
    document["info"]["contact"] = contact
    document["info"]["summary"] = "Community activities and groups, as an Open Referral UK 3.0 feed"
    return _json(document)


# --- services --------------------------------------------------------------------------------------

def _minimal(activity, context) -> dict:
    item = build.service_json(activity, context)
    return {k: item[k] for k in ("id", "name", "status", "last_modified") if k in item}


@blueprint.get("/services")
@cached
def services():
    minimal, full = _flag("minimal"), _flag("full")
    make = _minimal if minimal else functools.partial(_service, full=full)
    return _activity_list(_filters(), make, minimal)


def _service(activity, context, full: bool):
    return build.service_json(activity, context, full=full)


@blueprint.get("/services/<service_id>")
@cached
def service(service_id: str):
    found = query.find(get_session(), service_id, _hidden())
    if found is None:
        raise NotFound(f"no published service with id {service_id!r}")
    return _json(build.service_json(found, _context([found]), full=True))


# --- services at locations -------------------------------------------------------------------------

@blueprint.get("/service_at_locations")
@cached
def service_at_locations():
    full = _flag("full")
    return _activity_list(_filters(placed_only=True, near=True),
                          lambda a, context: build.service_at_location_json(a, context, full=full))


@blueprint.get("/service_at_locations/<sal_id>")
@cached
def service_at_location(sal_id: str):
    found = query.find_by_service_at_location(get_session(), sal_id, _hidden())
    if found is None:
        raise NotFound(f"no published service at location with id {sal_id!r}")
    return _json(build.service_at_location_json(found, _context([found]), full=True))


# --- organisations ---------------------------------------------------------------------------------

def _organisation_services(org_ids: list[str], hidden: AbstractSet[str], full: bool) -> dict[str, list[dict]]:
    """The published services of a page of organisations, in one query: ids and names, or fully nested."""
    activities = query.services_of(get_session(), org_ids, hidden)
    context = _context(activities) if full else None
    found: dict[str, list[dict]] = {i: [] for i in org_ids}
    for a in activities:
        found[a.organisation_id].append(build.service_json(a, context, full=True) if full else
                                        {"id": a.id, "name": a.name, "status": build.STATUS.get(a.status, "active")})
    return found


@blueprint.get("/organizations")
@cached
def organizations():
    hidden, full, full_service = _hidden(), _flag("full"), _flag("full_service")
    number, per_page = _paging()
    session = get_session()
    listing = query.organisations_with_services(session, hidden, request.args.get("search", "").strip()[:200])
    total = query.count_of(session, listing)
    orgs = list(session.scalars(listing.limit(per_page).offset((number - 1) * per_page)))
    items = [build.organization_json(o, full or full_service) for o in orgs]
    if full_service:
        nested = _organisation_services([o.id for o in orgs], hidden, True)
        for item in items:
            item["services"] = nested[item["id"]]
    return _json(build.envelope(items, total or 0, number, per_page))


@blueprint.get("/organizations/<org_id>")
@cached
def organization(org_id: str):
    hidden = _hidden()
    found = get_session().scalars(query.organisations_with_services(get_session(), hidden, org_id=org_id)).first()
    if found is None:
        raise NotFound(f"no published organization with id {org_id!r}")
    item = build.organization_json(found, full=True)
    item["services"] = _organisation_services([found.id], hidden, _flag("full_service"))[found.id]
    return _json(item)


# --- taxonomies ------------------------------------------------------------------------------------

def _matches(item: dict, search: str) -> bool:
    words = search.lower().split()
    text = f"{item.get('name', '')} {item.get('description', '')} {item.get('term', '')}".lower()
    return all(w in text for w in words)


@blueprint.get("/taxonomies")
@cached
def taxonomies():
    number, per_page = _paging()
    items = [t for t in [build.taxonomy_json()] if _matches(t, request.args.get("search", ""))]
    return _json(build.envelope(build.page_of(items, number, per_page), len(items), number, per_page))


@blueprint.get("/taxonomies/<taxonomy_id>")
@cached
def taxonomy(taxonomy_id: str):
    if taxonomy_id != build.TAXONOMY_ID:
        raise NotFound(f"no taxonomy with id {taxonomy_id!r}")
    return _json(build.taxonomy_json(with_terms=True))


@blueprint.get("/taxonomy_terms")
@cached
def taxonomy_terms():
    number, per_page = _paging()
    wanted_taxonomy, parent = request.args.get("taxonomy_id", "").strip(), request.args.get("parent_id", "").strip()
    terms = [build.term_json(slug) for slug in build.TERM_SLUGS.values()]
    items = [t for t in terms if _matches(t, request.args.get("search", "")) and (not wanted_taxonomy or t["taxonomy_id"] == wanted_taxonomy)
             and not parent]   # the categories are flat: no term has a parent
    return _json(build.envelope(build.page_of(items, number, per_page), len(items), number, per_page))


@blueprint.get("/taxonomy_terms/<term_id>")
@cached
def taxonomy_term(term_id: str):
    slug = build.TERM_SLUGS.get(term_id)
    if slug is None:
        raise NotFound(f"no taxonomy term with id {term_id!r}")
    return _json(build.term_json(slug))
