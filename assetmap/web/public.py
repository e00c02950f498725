"""The pages: search (list + map), one activity, the signposting sheet, about. All work without JavaScript."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, redirect, render_template, request, send_from_directory, url_for

from assetmap import changes, reports, taxonomy
from assetmap.models import Activity, SearchLog
from assetmap.places.cache import area_names
from assetmap.places.gazetteer import suggest_places
from assetmap.queries import linked_listings
from assetmap.schedule import Schedule, describe_next, has_ended, local_date
from assetmap.search import SearchError, SearchParams, search_activities
from assetmap.vocab import CAPACITY_LABELS, DAY_LABELS, DELIVERY_LABELS, PRECISION_LABELS, TIME_LABELS, choices

from . import get_session, get_settings, page_record, save_search_log, save_use
from .api import has_calendar
from .errors import NotFound
from .kept_views import kept
from .params import search_params
from .present import (
    KM_PER_MILE,
    address_line,
    also_listed_line,
    area_line,
    capacity_label,
    category_labels,
    cost_line,
    delivery_words,
    distance_words,
    freshness,
    freshness_line,
    how_to_join,
    limit_words,
    linkify,
    provenance_lines,
    safe_url,
    serves_line,
    spoken_times,
    summary,
    when_line,
    widening_note,
)
from .result_html import result_item

blueprint = Blueprint("public", __name__)
FILTERS = {
    "day": choices(DAY_LABELS),
    "time": choices(TIME_LABELS),
    "delivery": choices(DELIVERY_LABELS),
    "capacity": choices(CAPACITY_LABELS),
}


FILTER_ARGS = ("category", "audience", "day", "time", "delivery", "free", "accessibility", "capacity")
ENOUGH_NEAR = 3   # a near search finding fewer than this within the distance limit widens by itself


def _view(activity: Activity, names: dict[str, str] | None = None) -> dict:
    """What a template needs beyond the record itself: plain-English lines, safe links."""
    state = freshness(activity, get_settings())
    names = names if names is not None else _area_names([activity])
    return {"a": activity, "freshness": state, "freshness_line": freshness_line(activity, state), "join": how_to_join(activity),
            "categories": category_labels(activity), "website": safe_url(activity.website), "delivery": delivery_words(activity),
            "when": when_line(activity), "cost": cost_line(activity), "address": address_line(activity), "summary": summary(activity),
            "capacity": capacity_label(activity), "area": area_line(names.get(activity.ward_code or ""), names.get(activity.lad_code or "")),
            "serves": serves_line(activity, _served(activity, names))}


def _kept_view(hit, names: dict[str, str], key: tuple | None = None) -> dict:
    """``_view`` of a search hit, kept per record version, age and area names (``kept_views``); ``key``: ``_view_key``'s."""
    activity = hit.activity
    return kept("result", hit.version, key or _view_key(activity, names), lambda: _view(activity, names))


def _view_key(activity: Activity, names: dict[str, str]) -> tuple:
    """What ``_view`` depends on besides the record's version: its freshness state and age that day, its areas' names."""
    state = freshness(activity, get_settings())
    areas = tuple(names.get(code) for code in (activity.ward_code, activity.lad_code, *(activity.service_area or [])) if code)
    return state.state, state.days, areas


def _served(activity: Activity, names: dict[str, str]) -> list[str]:
    """The names of the areas a record serves: from the area table, else as the source wrote them."""
    found = [names[code] for code in activity.service_area or [] if code in names]
    return found or [str(n) for n in (activity.extra or {}).get("service_area_text") or [] if str(n).strip()][:3]


def _area_names(activities: list[Activity]) -> dict[str, str]:
    """Ward, council and service-area names for the codes these records carry (current boundaries first), from the process's cache."""
    codes = {c for a in activities for c in (a.ward_code, a.lad_code, *(a.service_area or [])) if c}
    if not codes:
        return {}
    known = area_names(get_session())
    return {code: known[code] for code in codes if code in known}


def _clean_query(args) -> list[tuple[str, str]]:
    """The search's arguments without empty ones, in their order: what a URL should carry."""
    return [(key, value) for key, values in args.lists() for value in values if value.strip()]


@blueprint.get("/")
def search_page():
    clean = _clean_query(request.args)
    if len(clean) != sum(len(v) for _, v in request.args.lists()):   # "category=&audience=" left out of shared links
        return redirect(url_for("public.search_page") + ("?" + urlencode(clean) if clean else ""), code=302)
    try:
        params, results, radius_km, note = _near_search(request.args)
    except SearchError as error:
        return _search_problem(str(error))
    settings = get_settings()
    names = _area_names([hit.activity for hit in results.hits])
    suffix = _link_query(urlencode(clean))
    items = []
    for hit in results.hits:
        key = _view_key(hit.activity, names)
        view = dict(_kept_view(hit, names, key), distance=_distance(hit.distance_km, settings.distance_units), also=hit.also_listed)
        items.append(result_item(view, hit.version, key, suffix))
    pages = max(1, -(-results.total // params.per_page))
    map_query = urlencode([*clean, *([("radius_km", f"{radius_km:.3f}")] if radius_km else [])])
    return render_template("search.html", params=params, results=results, items=items, pages=pages, filters=FILTERS, page_url=_page_url,
                           categories=sorted(taxonomy.LABELS.items(), key=lambda kv: kv[1]), args=request.args,
                           query_string=map_query, note=note, filters_set=_filters_set(request.args), problem=None, suggestions=[])


def _link_query(back: str) -> str:
    """The query of a result's link ("?back=…" with the search to return to; "" for none), the same for every result."""
    href = url_for("public.activity_page", activity_id="-", back=back or None)
    return href[href.index("?"):] if "?" in href else ""


def _distance(km: float | None, units: str) -> str:
    return "" if km is None else distance_words(km, units)


def _filters_set(args) -> int:
    """How many filter choices are ticked or picked: shown on the collapsed "More choices" button."""
    return sum(1 for key in FILTER_ARGS for value in args.getlist(key) if value.strip())


def _near_search(args):
    """The search, within ASSETMAP_NEAR_MILES of a place unless a distance was asked for; widened, with a note, when too few are near.

    Returns the parameters, the results, the distance limit used (None when none was) and the note.
    """
    settings, session = get_settings(), get_session()
    params = search_params(args)
    if params.radius_km is not None:
        results = search_activities(session, settings, params)
        save_search_log(session)
        return params, results, None, ""
    limit_km = settings.near_miles * KM_PER_MILE
    results = search_activities(session, settings, _with_radius(params, limit_km))
    within = _placed_within(results, limit_km)
    if results.near is None or within >= ENOUGH_NEAR:
        save_search_log(session)
        return params, results, limit_km if results.near is not None else None, ""
    save_search_log(session)   # one search, one unmet-demand row: the one for the distance limit, written now
    widened = search_activities(session, settings, params)
    for extra in [obj for obj in session.new if isinstance(obj, SearchLog)]:
        session.expunge(extra)
    if widened.total <= results.total:   # nothing further away either: the limit changed nothing
        return params, results, limit_km, ""
    further = [hit.distance_km for hit in widened.hits if hit.distance_km is not None and hit.distance_km > limit_km]
    note = widening_note(limit_km, within, min(further) if further else None, settings.distance_units)
    return params, widened, None, note


def _placed_within(results, limit_km: float) -> int:
    """Activities at a place within the limit: phone and online services for the area do not make a place "near"."""
    on_page = sum(1 for hit in results.hits if hit.distance_km is not None and hit.distance_km <= limit_km)
    return on_page + max(0, results.total - len(results.hits))   # later pages: counted as near (there are plenty)


def _with_radius(params: SearchParams, radius_km: float) -> SearchParams:
    import dataclasses

    return dataclasses.replace(params, radius_km=radius_km)


def _search_problem(message: str):
    """A search that cannot run (a place not found, a choice not known) stays on the page, with close place names."""
    args = request.args
    near = args.get("near", "").strip()
    params = SearchParams(text=args.get("q", ""), near=near)
    suggestions = []
    if near:
        clean = [(k, v) for k, v in _clean_query(args) if k not in ("near", "page")]
        suggestions = [(name, url_for("public.search_page") + "?" + urlencode([*clean, ("near", name)]))
                       for name in suggest_places(get_session(), near)]
    return render_template("search.html", params=params, results=None, items=[], pages=1, filters=FILTERS, page_url=_page_url,
                           categories=sorted(taxonomy.LABELS.items(), key=lambda kv: kv[1]), args=args, query_string="",
                           note="", filters_set=_filters_set(args), problem=message, suggestions=suggestions), 400


def _page_url(number: int) -> str:
    """The same search on another page (every other argument kept)."""
    args = [(k, v) for k, v in _clean_query(request.args) if k != "page"]
    return url_for("public.search_page") + "?" + urlencode([*args, ("page", str(number))])


def _back_url(back: str) -> str | None:
    """"Back to results": the search page with the search's own arguments, never another address."""
    pairs = [(k, v) for k, v in parse_qsl(back or "", keep_blank_values=False) if k and v][:60]
    return url_for("public.search_page") + ("?" + urlencode(pairs) if pairs else "") if back else None


@blueprint.get("/favicon.ico")
def favicon():
    """The site's small icon (an SVG), so browsers asking for /favicon.ico get one rather than a 404."""
    from flask import current_app

    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)


@blueprint.get("/activities/<activity_id>")
def activity_page(activity_id: str):
    record = page_record.load(get_session(), activity_id)
    if record is None:
        raise NotFound("We could not find that activity. It may have been removed.")
    found, version = record.activity, record.version
    schedule, now = Schedule.from_extra(found.extra), get_settings().clock()
    ended = has_ended(schedule, now)   # "This event has ended" instead of a next session
    next_line = None if ended else spoken_times(describe_next(schedule, now) or "") or None
    origins = kept("origins", version, (), lambda: provenance_lines(changes.field_provenance(get_session(), activity_id), found))
    placed = PRECISION_LABELS.get(found.precision) if found.lat is not None else None
    save_use(get_session(), [activity_id], "shown")   # for the review queue's harm (see assetmap.review), written later
    others = linked_listings(get_session(), activity_id) if record.grouped else []
    also = [(other.id, also_listed_line(other.source, other.last_verified)) for other in others]
    names = _area_names([found])
    view = kept("result", version, _view_key(found, names), lambda: _view(found, names))   # the same words as its search result
    calendar = kept("calendar", version, local_date(now), lambda: has_calendar(found))   # whether its schedule pins a date from today
    return render_template("activity.html", next_session=next_line, has_ended=ended, origins=origins, placed=placed, also=also,
                           description=linkify(found.description), back_url=_back_url(request.args.get("back", "")), calendar=calendar,
                           organisation=record.organisation,
                           **view | _signals(found, record.reports))


def _signals(activity: Activity, found: list) -> dict:
    """An open report (``found``: the open reports, newest first) lowers the freshness shown and says so; a close by a
    re-import says since when it is unlisted."""
    closed = reports.closed_by_source(get_session(), activity)
    signals = {"report_line": None, "unlisted_line": None}
    if closed is not None:
        signals["unlisted_line"] = reports.no_longer_listed_line(closed.actor.removeprefix("source:"), closed.changed_at)
    if found:
        kind = reports.leading_kind([r.kind for r in found])
        state = reports.lowered(freshness(activity, get_settings()), [r.kind for r in found])
        signals |= {"freshness": state, "report_line": reports.report_line(kind, found[0].reported_at)}
    return signals


@blueprint.get("/about")
def about():
    settings = get_settings()
    return render_template("about.html", near_limit=limit_words(settings.near_miles * KM_PER_MILE, settings.distance_units))
