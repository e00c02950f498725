"""The signposting sheet: ``/shortlist?ids=…`` and its short link ``/s/<code>``. Nothing about the person is stored.

The list itself lives in the person's browser (static/shortlist.js keeps it in localStorage and puts
it in the URL); the server only renders what the URL names: one printable sheet, the text-message
version (GSM-7, counted) and the links to share. Without JavaScript the search page's ticked boxes
are submitted here as ``ids`` and everything but the copy button still works.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request, url_for

from assetmap import reports
from assetmap.freshness import Freshness, freshness_of, thresholds_for
from assetmap.models import Activity

from . import get_session, get_settings, save_use, shortcodes, sms
from .present import address_line, cost_line, freshness_line, how_to_join, linkify, safe_url, when_line

blueprint = Blueprint("shortlist", __name__)
MAX_SHORTLIST = 20
RENAMED = {"public.shortlist": "shortlist.shortlist"}   # the route's old name, still used by some templates


def register(app) -> None:
    """Add the routes, and keep ``url_for("public.shortlist")`` (the route's old home) building the same URL."""
    app.register_blueprint(blueprint)
    app.url_build_error_handlers.append(_renamed_endpoint)


def _renamed_endpoint(error, endpoint, values):
    if endpoint not in RENAMED:
        raise error
    return url_for(RENAMED[endpoint], **values)


def requested_ids(args) -> list[str]:
    """``ids=a&ids=b`` (the search form's ticked boxes) and ``id_list=a,b``, first mention kept, at most ``MAX_SHORTLIST``."""
    ids = [i.strip() for i in args.getlist("ids") + args.get("id_list", "").split(",") if i.strip()]
    return list(dict.fromkeys(ids))[:MAX_SHORTLIST]


@blueprint.get("/shortlist")
def shortlist():
    return _render(requested_ids(request.args), problems=[])


@blueprint.get("/s/<code>")
def short(code: str):
    found = shortcodes.resolve(get_session(), code[:400])
    return _render(found.ids[:MAX_SHORTLIST], problems=found.problems)


def _render(ids: list[str], problems: list[str]):
    session = get_session()
    found = [a for a in (session.get(Activity, i) for i in ids) if a is not None]
    missing = len(ids) - len(found)
    if missing:
        problems = problems + [f"{missing} of the activities in this link {'is' if missing == 1 else 'are'} no longer in the directory."]
    save_use(session, [a.id for a in found], "shortlisted")
    states = _freshness(found)
    items = [_item(a, states[a.id]) for a in found]
    code = shortcodes.encode(session, [a.id for a in found]) if found else None
    base = get_settings().base_url
    full_path = url_for("shortlist.shortlist") + ("?" + urlencode([("ids", a.id) for a in found]) if found else "")
    short_path = url_for("shortlist.short", code=code) if code else full_path
    text = sms.message([item["sms"] for item in items], shortcodes.short_link(base, short_path) if found else None)
    return render_template("shortlist.html", items=items, problems=problems, sms=text, sms_count=sms.count(text), sms_rows=text_rows(text),
                           full_path=full_path, full_link=shortcodes.short_link(base, full_path),
                           short_path=short_path, short_link=shortcodes.short_link(base, short_path),
                           ids=[a.id for a in found], max_items=MAX_SHORTLIST)


def text_rows(text: str, width: int = 28) -> int:
    """Rows for the text box so nothing is hidden even on a narrow phone (wrapped at about ``width`` characters)."""
    return sum(max(1, -(-len(line) // width)) for line in text.split("\n")) + 1


def _freshness(found: list[Activity]) -> dict[str, Freshness]:
    """Each record's freshness (assetmap.freshness), lowered by any open problem report, as the activity page shows it."""
    settings, now = get_settings(), get_settings().clock()
    open_reports = reports.open_reports(get_session(), [a.id for a in found]) if found else {}
    states = {}
    for activity in found:
        limits = thresholds_for(activity.source, settings.ageing_after_days, settings.stale_after_days, settings.source_stale_days)
        state = freshness_of(activity.last_verified, now, limits.ageing_after_days, limits.stale_after_days)
        states[activity.id] = reports.lowered(state, [r.kind for r in open_reports.get(activity.id, [])])
    return states


def where_text(activity: Activity) -> str:
    """The venue, then the address's lines and postcode, joined with commas."""
    venue = " ".join((activity.venue or "").split())
    return ", ".join(part for part in (venue, address_line(activity)) if part)


def _item(activity: Activity, state: Freshness) -> dict:
    ring_first = state.state != "fresh"
    when = when_line(activity) or (activity.schedule_text or "")
    return {"a": activity, "freshness": state, "freshness_line": freshness_line(activity, state), "join": how_to_join(activity),
            "website": safe_url(activity.website), "where": where_text(activity), "ring_first": ring_first, "when": when,
            "cost": cost_line(activity) or "Ask when you call", "description": linkify(activity.description),
            "sms": sms.Line(activity.name, when, activity.postcode or activity.venue, activity.phone, ring_first)}
