"""The JSON API the pages use too: ``/api/activities``, its ``.geojson`` twin, one activity."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from assetmap import changes, geo
from assetmap.areas.queries import areas_in_bbox
from assetmap.models import Activity
from assetmap.queries import linked_listings
from assetmap.search import search_activities

from . import get_session, get_settings, save_search_log
from .errors import BadRequest, NotFound
from .params import bounding_box, search_params
from .present import also_listed_json, provenance_json, to_item

blueprint = Blueprint("api", __name__, url_prefix="/api")


def run_search(args):
    """The one query both the list and the map use, with the same arguments."""
    params = search_params(args)
    results = search_activities(get_session(), get_settings(), params)
    save_search_log(get_session())
    return params, results


def _near_json(near):
    return None if near is None else {"lat": near.lat, "lon": near.lon, "label": near.label, "precision": near.precision, "areas": near.codes}


@blueprint.get("/activities")
def activities():
    params, results = run_search(request.args)
    settings, has_near = get_settings(), bool(params.near) or results.near is not None
    items = [to_item(hit.activity, settings, hit.distance_km, has_near) | {"also_listed": also_listed_json(hit.also_listed)}
             for hit in results.hits]   # one item per activity: its other listings (linked duplicates) inside it
    return jsonify({"items": items, "total": results.total, "facets": results.facets, "page": params.page,
                    "per_page": params.per_page, "near": _near_json(results.near), "suggestion": results.suggestion})


@blueprint.get("/activities.geojson")
def activities_geojson():
    box = bounding_box(request.args)
    _, results = run_search(request.args)
    settings = get_settings()
    features = [geo.to_feature(hit.activity.lon, hit.activity.lat,
                               to_item(hit.activity, settings, hit.distance_km) | {"also_listed": also_listed_json(hit.also_listed)})
                for hit in results.hits if hit.activity.lat is not None and _in_box(hit.activity, box)]
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    return response


def _in_box(activity: Activity, box) -> bool:
    if box is None:
        return True
    west, south, east, north = box
    return west <= activity.lon <= east and south <= activity.lat <= north


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
