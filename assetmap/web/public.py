"""The pages: search (list + map), one activity, the signposting sheet, about. All work without JavaScript."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from assetmap import changes, reports, taxonomy
from assetmap.models import Activity
from assetmap.queries import linked_listings
from assetmap.schedule import Schedule, describe_next, has_ended
from assetmap.vocab import DAY_LABELS, DELIVERY_LABELS, PRECISION_LABELS, TIME_LABELS, choices

from . import get_session, get_settings, save_use
from .api import run_search
from .errors import NotFound
from .present import (
    also_listed_line,
    category_labels,
    delivery_words,
    freshness,
    freshness_line,
    how_to_join,
    provenance_lines,
    safe_url,
    sms_text,
)

blueprint = Blueprint("public", __name__)
MAX_SHORTLIST = 20
FILTERS = {
    "day": choices(DAY_LABELS),
    "time": choices(TIME_LABELS),
    "delivery": choices(DELIVERY_LABELS),
}


def _view(activity: Activity) -> dict:
    """What a template needs beyond the record itself: plain-English lines, safe links."""
    state = freshness(activity, get_settings())
    return {"a": activity, "freshness": state, "freshness_line": freshness_line(activity, state), "join": how_to_join(activity),
            "categories": category_labels(activity), "website": safe_url(activity.website), "delivery": delivery_words(activity)}


@blueprint.get("/")
def search_page():
    params, results = run_search(request.args)
    hits = [dict(_view(hit.activity), distance=hit.distance_km, also=hit.also_listed) for hit in results.hits]
    pages = max(1, -(-results.total // params.per_page))
    return render_template("search.html", params=params, results=results, hits=hits, pages=pages, filters=FILTERS, page_url=_page_url,
                           categories=sorted(taxonomy.LABELS.items(), key=lambda kv: kv[1]), args=request.args,
                           query_string=request.query_string.decode())


def _page_url(number: int) -> str:
    """The same search on another page (every other argument kept)."""
    args = request.args.to_dict(flat=False)
    args["page"] = [str(number)]
    return url_for("public.search_page", **args)


@blueprint.get("/activities/<activity_id>")
def activity_page(activity_id: str):
    found = get_session().get(Activity, activity_id)
    if found is None:
        raise NotFound("We could not find that activity. It may have been removed.")
    schedule, now = Schedule.from_extra(found.extra), get_settings().clock()
    ended = has_ended(schedule, now)   # "This event has ended" instead of a next session
    next_line = None if ended else describe_next(schedule, now)
    origins = provenance_lines(changes.field_provenance(get_session(), activity_id), found)
    placed = PRECISION_LABELS.get(found.precision) if found.lat is not None else None
    save_use(get_session(), [activity_id], "shown")   # for the review queue's harm (see assetmap.review)
    also = [(other.id, also_listed_line(other.source, other.last_verified)) for other in linked_listings(get_session(), activity_id)]
    return render_template("activity.html", next_session=next_line, has_ended=ended, origins=origins, placed=placed, also=also,
                           **_view(found) | _signals(found))


def _signals(activity: Activity) -> dict:
    """An open report lowers the freshness shown and says so; a close by a re-import says since when it is unlisted."""
    found = reports.open_reports(get_session(), [activity.id]).get(activity.id, [])
    closed = reports.closed_by_source(get_session(), activity)
    signals = {"report_line": None, "unlisted_line": None}
    if closed is not None:
        signals["unlisted_line"] = reports.no_longer_listed_line(closed.actor.removeprefix("source:"), closed.changed_at)
    if found:
        kind = reports.leading_kind([r.kind for r in found])
        state = reports.lowered(freshness(activity, get_settings()), [r.kind for r in found])
        signals |= {"freshness": state, "report_line": reports.report_line(kind, found[0].reported_at)}
    return signals


@blueprint.get("/shortlist")
def shortlist():
    ids = [i for i in request.args.getlist("ids") + request.args.get("id_list", "").split(",") if i][:MAX_SHORTLIST]
    found = [a for a in (get_session().get(Activity, i) for i in dict.fromkeys(ids)) if a is not None]
    save_use(get_session(), [a.id for a in found], "shortlisted")
    return render_template("shortlist.html", items=[_view(a) for a in found], sms=sms_text(found), share_query="&".join(f"ids={a.id}" for a in found))


@blueprint.get("/about")
def about():
    return render_template("about.html")
