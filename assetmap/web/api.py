"""The JSON API the pages use too: ``/api/activities``, its exports (CSV, GeoJSON, iCalendar), one activity.

The exports are twins of ``/api/activities``: the same arguments, parsed by the same ``search_params``,
answered by the same search (``search_all`` walks every page of it), streamed in batches so the whole
directory never sits in memory. ``/api/openapi.json`` describes every route here (``openapi.py``),
and ``/api/`` says the same for people.
"""

from __future__ import annotations

import dataclasses
import hashlib

import orjson
import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, render_template, request, stream_with_context
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from assetmap import changes, db
from assetmap.areas.queries import areas_in_bbox
from assetmap.exports import geojson, ical, spreadsheet
from assetmap.models import Activity
from assetmap.queries import linked_listings
from assetmap.schedule import local_date
from assetmap.search import SearchIndexError, SearchParams, search_activities, search_all, search_all_ids

from . import downloads, get_session, get_settings, map_points, openapi, save_search_log
from .errors import BadRequest, NotFound
from .kept_views import kept
from .params import bounding_box, search_params
from .present import also_listed_json, freshness, freshness_line, provenance_json, thresholds, to_item

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
    items = [_item(hit, settings, has_near) | {"also_listed": also_listed_json(hit.also_listed)}
             for hit in results.hits]   # one item per activity: its other listings (linked duplicates) inside it
    return jsonify({"items": items, "total": results.total, "facets": results.facets, "page": params.page,
                    "per_page": params.per_page, "near": _near_json(results.near), "suggestion": results.suggestion})


def _item(hit, settings, has_near: bool) -> dict:
    """The API's item for a hit: kept per record version and age (``kept_views``), with this search's distance."""
    state = freshness(hit.activity, settings)
    item = kept("item", hit.version, (state.state, state.days), lambda: to_item(hit.activity, settings))
    return item | {"distance_km": None if hit.distance_km is None else round(hit.distance_km, 2)} if has_near else dict(item)


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
    points = map_points.for_app(current_app.extensions["assetmap"], get_settings().map_cache_points)
    version = points.check(get_session())   # forgets kept points whose records changed
    tag = _map_etag(version)
    if request.if_none_match.contains_weak(tag):
        return _cached(Response(status=304), tag)
    if compact:
        ids = search_all_ids(get_session(), get_settings(), search_params(request.args), box)
        features = _compact_features(get_session(), points, ids)
    else:
        params, hits = _every_match(box)
        settings, has_near = get_settings(), bool(params.near)
        features = (geojson.point_feature(hit.activity.lon, hit.activity.lat, downloads.export_item(hit, settings, has_near))
                    for hit in hits if hit.activity.lat is not None and hit.activity.lon is not None)
    return _cached(_streamed(geojson.feature_collection_chunks(features), "application/geo+json"), tag)


def _compact_features(session, points: map_points.MapPoints, ids: list[str]):
    """Map points with a few columns each, as GeoJSON bytes: kept ones from ``points``, the rest read ``EXPORT_BATCH`` at a time.

    ``downloads.compact_properties`` says what a point holds; a point read is kept for the next map
    (``map_points``) with the moment its freshness state next changes.
    """
    settings = get_settings()
    now = settings.clock()
    for start in range(0, len(ids), EXPORT_BATCH):
        batch = ids[start:start + EXPORT_BATCH]
        kept, epoch = points.get(batch, now)
        read = _read_points(session, [i for i, data in zip(batch, kept) if data is None], settings, now)
        points.put(read, epoch)
        written = [data if data is not None else read.get(activity_id, (map_points.NO_POINT,))[0]
                   for activity_id, data in zip(batch, kept)] if read else kept   # (None and NO_POINT are left out alike)
        joined = b",".join(filter(None, written))
        if joined:
            yield joined   # the batch's features, already written (see feature_collection_chunks)


def _read_points(session, ids: list[str], settings, now) -> dict[str, tuple[bytes, object]]:
    """Each record's point as GeoJSON bytes and until when its freshness state holds, in one query, without loading whole records.

    The categories pass through as the database's JSON text (decoding and re-encoding them was a
    quarter of a map's time). Freshness is worked out at ``now``, the moment its validity starts from.
    """
    if not ids:
        return {}
    at_now = dataclasses.replace(settings, clock=lambda: now)
    columns = [c for c in downloads.COMPACT_COLUMNS if c.key != "categories"] + [sa.cast(Activity.categories, sa.Text).label("categories")]
    read = {}
    for row in session.execute(sa.select(*columns).where(db.among(session, Activity.id, ids))):
        if row.lat is None or row.lon is None:
            read[row.id] = (map_points.NO_POINT, None)
            continue
        properties = downloads.compact_properties(row, at_now, orjson.Fragment(_json_list(row.categories)))
        read[row.id] = (orjson.dumps(geojson.point_feature(row.lon, row.lat, properties)),
                        map_points.state_until(row.last_verified, thresholds(row, settings), now))
    return read


def _json_list(text: str | None) -> str:
    """A JSON list's text as stored, "[]" for nothing (a list written as JSON by the one write path, or null)."""
    text = (text or "").strip()
    return text if text.startswith("[") else "[]"


def _map_etag(version: map_points.Version) -> str:
    """A tag that changes when any record, check or the date (freshness) changes, or the arguments do; cheap to work out.

    ``version`` moves with every committed change to a record (see ``map_points.read_version``); it
    once counted the activities too, a count that grew with the table, for records written without an
    audit entry (only a restore, or a test's own rows): the newest record (SQLite) or the snapshot
    (PostgreSQL) catches those now. A freshness state turns at the hour its days run out, not at
    midnight, so within a day a revalidated map can keep a state up to a day old (the points themselves never do).
    """
    arguments = sorted(request.args.items(multi=True))
    day = local_date(get_settings().clock())
    return hashlib.sha256(repr((dataclasses.astuple(version), day, arguments)).encode()).hexdigest()[:32]


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
