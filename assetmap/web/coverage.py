"""The commissioner pages: ``/coverage`` (table first, then the map), its CSV and GeoJSON downloads, ``/api/coverage``.

Every view reads one ``CoverageQuery`` from the same arguments, so the page, the downloads, the map
and the API always show the same areas with the same figures. The page works without JavaScript:
the map (``static/coverage.js``) only colours in what the table already lists.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import sqlalchemy as sa
from flask import Blueprint, Response, jsonify, render_template, request, url_for

from assetmap import taxonomy
from assetmap.coverage import GAP_SCORE_RULE, LEVELS, CoverageError, area_choices, coverage_geojson, coverage_table, unmet_demand
from assetmap.coverage.board_map import LEVEL_PLURALS, MEASURES, PAIRED_FIGURES, breaks, format_value, legend_items
from assetmap.coverage.output import to_csv
from assetmap.models import Area
from assetmap.vocab import DELIVERY_LABELS

from . import get_session, get_settings
from .errors import BadRequest

blueprint = Blueprint("coverage", __name__)

ONE_LEVEL = {"ward": "ward", "lad": "council area", "stp": "Sustainability and Transformation Partnership", "icb": "Integrated Care Board"}
SIZE = {"ward": 0, "lad": 1, "stp": 2, "icb": 2}            # an area may be looked inside only by a larger one
DRILL = {"icb": "lad", "stp": "lad", "lad": "ward"}          # a row's "look inside" link goes one level down
UNMET_DAYS = 365                                             # the unmet-demand table covers the last year of searches


@dataclasses.dataclass(frozen=True)
class CoverageQuery:
    level: str = "icb"
    within: str | None = None
    category: str | None = None
    delivery: str | None = None
    fresh_only: bool = False
    measure: str = "gap_score"

    def args(self, **changes) -> dict:
        """The query as URL arguments (empty ones left out), with ``changes`` applied: for links and downloads."""
        values = dataclasses.asdict(dataclasses.replace(self, **changes))
        values["fresh_only"] = "1" if values["fresh_only"] else None
        if values["measure"] == "gap_score":
            values["measure"] = None
        return {k: v for k, v in values.items() if v}


def coverage_query(args) -> CoverageQuery:
    """Validated arguments, or BadRequest naming the argument and what it may be."""
    level = args.get("level", "").strip() or "icb"
    if level not in LEVELS:
        raise BadRequest(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    category = args.get("category", "").strip() or None
    if category is not None and category not in taxonomy.LABELS:
        raise BadRequest(f"category must be one of the activity types ({', '.join(taxonomy.SLUGS)}), not {category!r}")
    delivery = args.get("delivery", "").strip() or None
    if delivery is not None and delivery not in DELIVERY_LABELS:
        raise BadRequest(f"delivery must be one of {', '.join(DELIVERY_LABELS)}, not {delivery!r}")
    measure = args.get("measure", "").strip() or "gap_score"
    if measure not in MEASURES:
        raise BadRequest(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    fresh = args.get("fresh_only", "").strip().lower()
    if fresh not in ("", "0", "1", "true", "false", "yes", "no", "on", "off"):
        raise BadRequest(f"fresh_only must be 1 or 0, not {fresh!r}")
    within = args.get("within", "").strip() or None
    if within is not None:
        _check_within(within, level)
    return CoverageQuery(level, within, category, delivery, fresh in ("1", "true", "yes", "on"), measure)


def _check_within(code: str, level: str) -> None:
    kinds = set(get_session().scalars(sa.select(Area.kind).where(Area.code == code, Area.kind.in_(LEVELS))))
    if not kinds:
        raise BadRequest(f"within must be the code of a loaded area (a council, STP or ICB), not {code!r}")
    if not any(SIZE[kind] > SIZE[level] for kind in kinds):
        raise BadRequest(f"within must be a larger area than a {ONE_LEVEL[level]}: {code!r} is a {ONE_LEVEL[sorted(kinds)[0]]}. "
                         "Choose smaller areas (for example wards) or another area to look inside")


def _rows(query: CoverageQuery):
    settings = get_settings()
    try:
        return coverage_table(get_session(), settings, level=query.level, within=query.within, category=query.category,
                              delivery=query.delivery, fresh_only=query.fresh_only, now=settings.clock())
    except CoverageError as error:   # e.g. an area with no areas of the level inside it
        raise BadRequest(f"within: {error.message}") from error


@blueprint.get("/coverage")
def coverage_page():
    query = coverage_query(request.args)
    rows = [row.as_dict() for row in _rows(query)]
    bounds = breaks([row.get(query.measure) for row in rows])
    now = get_settings().clock()
    unmet = unmet_demand(get_session(), within=query.within, level=query.level, since=now - dt.timedelta(days=UNMET_DAYS), now=now)
    if query.category:
        unmet = [u for u in unmet if u.get("category") in (query.category, None, "")]
    return render_template(
        "coverage.html", q=query, rows=rows, bounds=bounds, legend=legend_items(bounds, query.measure), unmet=unmet,
        within_name=_area_name(query.within), up=_up_link(query, rows), choices=_within_choices(), rule=GAP_SCORE_RULE,
        levels=LEVEL_PLURALS, one_level=ONE_LEVEL, drill=DRILL, measures=MEASURES, paired=PAIRED_FIGURES, fmt=format_value,
        categories=sorted(taxonomy.LABELS.items(), key=lambda kv: kv[1]), category_label=taxonomy.label, deliveries=DELIVERY_LABELS,
        ageing_days=get_settings().ageing_after_days, unmet_days=UNMET_DAYS, method=_method(get_settings()),
        geojson_url=url_for("coverage.coverage_geojson_download", **query.args()),
    )


def _method(settings) -> dict:
    """The settings the method text quotes: walking distance, catchment and its distance weights."""
    catchment = settings.coverage_catchment_km or settings.coverage_walk_km
    weights = [w.strip() for w in settings.coverage_decay.split(",") if w.strip()]
    return {"walk_km": f"{settings.coverage_walk_km:g}", "catchment_km": f"{catchment:g}", "weights": weights,
            "band_km": f"{catchment / max(1, len(weights)):.2g}"}


def _area_name(code: str | None) -> str | None:
    if code is None:
        return None
    return get_session().scalar(sa.select(Area.name).where(Area.code == code).order_by(Area.vintage.desc()).limit(1))


def _up_link(query: CoverageQuery, rows: list[dict]) -> tuple[str, str] | None:
    """Back out of a drill-down: (link, words). From a council's wards to the councils of its ICB; else to all areas of that kind."""
    if query.within is None:
        return None
    kind = get_session().scalar(sa.select(Area.kind).where(Area.code == query.within, Area.kind.in_(LEVELS)).limit(1)) or query.level
    parent = rows[0].get("icb_code") if kind == "lad" and rows else None
    if parent:
        words = f"Back to the council areas in {_area_name(parent) or parent}"
        return url_for("coverage.coverage_page", **query.args(level="lad", within=parent)), words
    plural = LEVEL_PLURALS[kind] if kind in ("stp", "icb") else LEVEL_PLURALS[kind].lower()
    return url_for("coverage.coverage_page", **query.args(level=kind, within=None)), f"Back to all {plural}"


def _within_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Areas one may look inside, largest first: ICBs, STPs, then councils."""
    groups = [("icb", "Integrated Care Boards"), ("stp", "Sustainability and Transformation Partnerships"), ("lad", "Council areas")]
    return [(label, area_choices(get_session(), kind)) for kind, label in groups]


@blueprint.get("/coverage.csv")
def coverage_csv_download():
    query = coverage_query(request.args)
    body = to_csv(_rows(query))
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{_file_name(query)}.csv"'})


@blueprint.get("/coverage.geojson")
def coverage_geojson_download():
    query = coverage_query(request.args)
    data = coverage_geojson(get_session(), _rows(query), query.level)
    response = jsonify(data)
    response.mimetype = "application/geo+json"
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{_file_name(query)}.geojson"'
    return response


def _file_name(query: CoverageQuery) -> str:
    parts = ["coverage", query.level, query.within, query.category, query.delivery, "checked-recently" if query.fresh_only else None]
    return "-".join(p for p in parts if p)


@blueprint.get("/api/coverage")
def coverage_api():
    query = coverage_query(request.args)
    body = {"level": query.level, "within": query.within, "category": query.category, "delivery": query.delivery,
            "fresh_only": query.fresh_only, "rule": GAP_SCORE_RULE, "areas": [row.as_dict() for row in _rows(query)]}
    return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")   # columns in COLUMNS order, not sorted
