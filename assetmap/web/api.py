"""The JSON API the pages use too: ``/api/activities``, its exports (CSV, GeoJSON, iCalendar), one activity.

The exports are twins of ``/api/activities``: the same arguments, parsed by the same ``search_params``,
answered by the same search (``search_all`` walks every page of it), streamed in batches so the whole
directory never sits in memory. ``/api/openapi.json`` describes every route here (``openapi.py``),
and ``/api/`` says the same for people.
"""

from __future__ import annotations

import hashlib

import orjson
import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, render_template, request, stream_with_context
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from assetmap import changes, db
from assetmap.areas.queries import areas_in_bbox
from assetmap.exports import geojson, ical, spreadsheet
from assetmap.models import Activity, AuditEntry, Verification
from assetmap.queries import linked_listings
from assetmap.schedule import local_date
from assetmap.search import SearchIndexError, SearchParams, search_activities, search_all, search_all_ids

from . import downloads, get_session, get_settings, openapi, save_search_log
from .errors import BadRequest, NotFound
from .params import bounding_box, search_params
from .present import also_listed_json, freshness, freshness_line, provenance_json, to_item

blueprint = Blueprint("api", __name__, url_prefix="/api")
files = Blueprint("files", __name__)   # exports that live beside a page rather than under /api/: /activities/<id>.ics
EXPORT_BATCH = 500       # activities loaded from the database at a time while an export streams
MAP_MAX_AGE_S = 60       # the browser reuses a map's GeoJSON this long, then revalidates it with its ETag
FLAG_VALUES = ("1", "true", "yes", "on")


def run_search(args):
    """The one query both the list and the map use, with the same arguments."""
    params = search_params(args)
    results = search_activities(get_session(), get_settings(), params)
    save_search_log(get_session())
    return params, results


def _near_json(near):
    return None if near is None else {"lat": near.lat, "lon": near.lon, "label": near.label, "precision": near.precision, "areas": near.codes}


@blueprint.get("/")
def index():
    """The API page for people: each endpoint, an example, the licence and how fresh the data is."""
    try:
        results = search_activities(get_session(), get_settings(), SearchParams(per_page=1))
    except SearchIndexError:   # the page still explains the API while the index is built
        results = None
    newest = get_session().scalar(sa.select(sa.func.max(Activity.last_verified)))
    return render_template("api.html", counts=results.facets.get("freshness", {}) if results else {}, newest=newest,
                           example_id=results.hits[0].activity.id if results and results.hits else None)


@blueprint.get("/openapi.json")
def openapi_json():
    return jsonify(openapi.document())


@blueprint.get("/activities")
def activities():
    params, results = run_search(request.args)
    settings, has_near = get_settings(), bool(params.near) or results.near is not None
    items = [to_item(hit.activity, settings, hit.distance_km, has_near) | {"also_listed": also_listed_json(hit.also_listed)}
             for hit in results.hits]   # one item per activity: its other listings (linked duplicates) inside it
    return jsonify({"items": items, "total": results.total, "facets": results.facets, "page": params.page,
                    "per_page": params.per_page, "near": _near_json(results.near), "suggestion": results.suggestion})


def _every_match(box=None):
    """All activities the same search lists on any page (``page`` and ``per_page`` are checked, then ignored)."""
    params = search_params(request.args)
    return params, search_all(get_session(), get_settings(), params, EXPORT_BATCH, box)


def _is_on(name: str) -> bool:
    return request.args.get(name, "").strip().lower() in FLAG_VALUES


def _streamed(chunks, mimetype: str, filename: str | None = None) -> Response:
    """A response sent as ``chunks`` come; the request's session, which they read through, is closed when they end.

    The request's own teardown runs as soon as the view returns, before the first chunk is made, so a
    session a generator reopens afterwards would otherwise keep its connection until garbage collection.
    """
    session = get_session()

    def closing():
        try:
            yield from chunks
        finally:
            session.close()

    response = Response(stream_with_context(closing()), mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.get("/activities.csv")
def activities_csv():
    params, hits = _every_match()
    settings, has_near = get_settings(), bool(params.near)
    items = (downloads.export_item(hit, settings, has_near) for hit in hits)
    chunks = spreadsheet.csv_chunks(items, downloads.csv_columns(settings, has_near))
    return _streamed(chunks, "text/csv", downloads.download_name("activities", local_date(settings.clock()), "csv"))


@blueprint.get("/activities.geojson")
def activities_geojson():
    """Every located match (not one page); ``bbox`` keeps those inside a box, ``compact=1`` only what a map marker needs."""
    box, compact = bounding_box(request.args), _is_on("compact")
    tag = _map_etag()
    if request.if_none_match.contains_weak(tag):
        return _cached(Response(status=304), tag)
    if compact:
        features = _compact_features(get_session(), search_all_ids(get_session(), get_settings(), search_params(request.args), box))
    else:
        params, hits = _every_match(box)
        settings, has_near = get_settings(), bool(params.near)
        features = (geojson.point_feature(hit.activity.lon, hit.activity.lat, downloads.export_item(hit, settings, has_near))
                    for hit in hits if hit.activity.lat is not None and hit.activity.lon is not None)
    return _cached(_streamed(geojson.feature_collection_chunks(features), "application/geo+json"), tag)


def _compact_features(session, ids: list[str]):
    """Map points with a few columns each, read ``EXPORT_BATCH`` at a time without loading whole records.

    The categories pass through as the database's JSON text (decoding and re-encoding them was a
    quarter of a map's time); ``downloads.compact_properties`` says what a point holds.
    """
    settings = get_settings()
    columns = [c for c in downloads.COMPACT_COLUMNS if c.key != "categories"] + [sa.cast(Activity.categories, sa.Text).label("categories")]
    for start in range(0, len(ids), EXPORT_BATCH):
        batch = ids[start:start + EXPORT_BATCH]
        rows = {row.id: row for row in session.execute(sa.select(*columns).where(db.among(session, Activity.id, batch)))}
        for row in (rows.get(i) for i in batch):
            if row is not None and row.lat is not None and row.lon is not None:
                categories = orjson.Fragment(_json_list(row.categories))
                yield geojson.point_feature(row.lon, row.lat, downloads.compact_properties(row, settings, categories))


def _json_list(text: str | None) -> str:
    """A JSON list's text as stored, "[]" for nothing (a list written as JSON by the one write path, or null)."""
    text = (text or "").strip()
    return text if text.startswith("[") else "[]"


def _map_etag() -> str:
    """A tag that changes when any record, check or the date (freshness) changes, or the arguments do; cheap to work out."""
    session = get_session()
    version = session.execute(sa.select(
        sa.select(sa.func.max(AuditEntry.id)).scalar_subquery(), sa.select(sa.func.max(Verification.id)).scalar_subquery(),
        sa.select(sa.func.count()).select_from(Activity).scalar_subquery())).one()
    arguments = sorted(request.args.items(multi=True))
    day = local_date(get_settings().clock())
    return hashlib.sha256(repr((tuple(version), day, arguments)).encode()).hexdigest()[:32]


def _cached(response: Response, tag: str) -> Response:
    response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={MAP_MAX_AGE_S}"
    return response


@blueprint.get("/activities.ics")
def activities_ics():
    """A calendar of the search: every match's sessions, recurring ones as rules."""
    _, hits = _every_match()
    settings = get_settings()
    today = local_date(settings.clock())
    events = (event for hit in hits for event in _events(hit.activity, today))
    chunks = ical.calendar_chunks(events, "Community activities", today)
    return _streamed(chunks, "text/calendar", downloads.download_name("activities", today, "ics"))


def _events(activity: Activity, today):
    settings = get_settings()
    entry = downloads.calendar_entry(activity, settings, freshness_line(activity, freshness(activity, settings)))
    return ical.events_of(entry, today, settings.clock())


@files.app_template_global()
def has_calendar(activity: Activity) -> bool:
    """Whether the activity page offers "Add to your calendar": only when its schedule pins a date."""
    return bool(_events(activity, local_date(get_settings().clock())))


@files.get("/activities/<activity_id>.ics")
def activity_ics(activity_id: str):
    """One activity's calendar; 404 when its schedule pins no date (term time only, or times not known)."""
    found = get_session().get(Activity, activity_id)
    if found is None:
        raise NotFound("We could not find that activity. It may have been removed.")
    today = local_date(get_settings().clock())
    events = _events(found, today)
    if not events:
        raise NotFound("This activity has no dates we can put in a calendar: ring the organiser to ask when it meets.")
    body = b"".join(ical.calendar_chunks(events, found.name, today))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="activity-{activity_id}.ics"'
    return response


@blueprint.get("/activities/<activity_id>")
def activity(activity_id: str):
    found = get_session().get(Activity, activity_id)
    if found is None:
        raise NotFound(f"no activity with id {activity_id!r}")
    provenance = provenance_json(changes.field_provenance(get_session(), activity_id), found)
    also = also_listed_json(linked_listings(get_session(), activity_id))
    return jsonify(to_item(found, get_settings()) | {"provenance": provenance, "also_listed": also})


OUTLINE_KINDS = {"ward": "Wards", "lad": "Council areas", "stp": "NHS areas (STP)", "icb": "NHS areas (ICB)"}


@blueprint.get("/areas.geojson")
def areas_geojson():
    """Boundary outlines for the map's optional layer, simplified to what a screen can show."""
    kind = request.args.get("kind", "ward")
    if kind not in OUTLINE_KINDS:
        raise BadRequest(f"kind must be one of {', '.join(OUTLINE_KINDS)}")
    box = bounding_box(request.args)
    if box is None:
        raise BadRequest("bbox is required: west,south,east,north")
    features = [{"type": "Feature", "properties": {"code": area.code, "name": area.name, "kind": area.kind},
                 "geometry": mapping(to_shape(area.geom).simplify(0.0002))}
                for area in areas_in_bbox(get_session(), kind, *box)]
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    return response
