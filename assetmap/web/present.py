"""Activities in plain English: the API's item dict, the page's freshness line, the SMS text.

Pure functions of an Activity and the settings, so the wording is tested without a server.
Nothing here builds HTML: templates escape every value.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any
from urllib.parse import urlsplit

from assetmap import taxonomy
from assetmap.changes import Provenance
from assetmap.config import Settings
from assetmap.db import as_utc
from assetmap.freshness import SOURCE_METHODS, Freshness, Thresholds, check_label, describe_age, freshness_of, method_of, thresholds_for
from assetmap.models import Activity
from assetmap.vocab import DELIVERY_LABELS

SAFE_SCHEMES = ("http", "https")
WHO_WORDS = {"organiser": "the organiser", "organizer": "the organiser"}


def thresholds(activity: Activity, settings: Settings) -> Thresholds:
    return _thresholds(activity.source, settings.ageing_after_days, settings.stale_after_days, settings.source_stale_days)


# Every item of every answer asks, and the setting's text was parsed each time: once per source and setting is enough.
_thresholds = functools.lru_cache(maxsize=1024)(thresholds_for)


def freshness(activity: Activity, settings: Settings) -> Freshness:
    limits = thresholds(activity, settings)
    return freshness_of(activity.last_verified, settings.clock(), limits.ageing_after_days, limits.stale_after_days)


def public_checker(verified_by: str | None) -> str:
    """Who checked, as the public may read it: a role or a sheet's "Checked by", never a person's address."""
    who = (verified_by or "").strip()
    if who.startswith("editor:"):
        return "an editor"
    if who.startswith("source:") or "@" in who:
        return ""
    return WHO_WORDS.get(who.lower(), who)


def check_line(activity: Activity) -> str:
    """The newest sign of freshness, labelled as what it is ("Updated in Trafford CVS's list on 3 Oct 2026")."""
    return _check_line(activity, method_of(activity.verified_how), public_checker(activity.verified_by))


def _check_line(activity: Activity, method: str, who: str) -> str:
    verified = as_utc(activity.last_verified)
    listed_since = (method == "source_assured" and "assured_date" in (activity.raw or {}) and activity.status == "active"
                    and activity.last_ingested is not None and as_utc(activity.last_ingested).date() > verified.date())
    return check_label(method, verified, who, activity.source, listed_since)


def freshness_line(activity: Activity, state: Freshness, method: str | None = None, who: str | None = None) -> str:
    """"Checked by the organiser on 3 Oct 2026" / "… — details may be out of date" (stale) / "Never checked — …".

    ``method`` and ``who`` (``method_of``, ``public_checker``) when the caller has them already.
    """
    if state.state == "unknown":
        return "Never checked — ring before you go"
    method = method_of(activity.verified_how) if method is None else method
    line = _check_line(activity, method, public_checker(activity.verified_by) if who is None else who)
    if state.state == "stale":
        return f"Not checked for {describe_age(state.days).removesuffix(' ago')} — details may be out of date ({line})"
    if state.state == "ageing":
        return f"{line} — worth ringing before you go"
    return line


def freshness_json(activity: Activity, state: Freshness) -> dict[str, Any]:
    """The API's ``freshness``: state, date, method and source (a source's name only for a source's assertion)."""
    verified = activity.last_verified.date().isoformat() if isinstance(activity.last_verified, dt.datetime) else None
    how, who = method_of(activity.verified_how), public_checker(activity.verified_by)
    method = how if verified else ""
    return {"state": state.state, "last_verified": verified, "verified_by": who or None,
            "method": method or None, "source": activity.source if method in SOURCE_METHODS else None,
            "label": freshness_line(activity, state, how, who)}


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are ever rendered as links; anything else (``javascript:``) is dropped."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in SAFE_SCHEMES else None


CALL_FIRST = re.compile(r"\b(book(ing)?|booked|ring (first|before|us)|call (first|before|us)|by appointment|referral)\b", re.IGNORECASE)


def how_to_join(activity: Activity) -> str:
    """"Just turn up" only when nothing in the record says otherwise: a wasted trip costs more than a call."""
    if activity.capacity == "referral_needed":
        return "Needs a referral — ask your GP or link worker"
    words = f"{activity.description} {activity.schedule_text}"
    if activity.capacity == "waiting_list" or not activity.venue and not activity.address or CALL_FIRST.search(words):
        return "Call first"
    return "Just turn up"


def delivery_words(activity: Activity) -> str:
    return ", ".join(DELIVERY_LABELS.get(mode, mode) for mode in activity.delivery or []) or "Not stated"


def category_labels(activity: Activity) -> list[str]:
    return [taxonomy.label(slug) for slug in activity.categories or []]


def to_item(activity: Activity, settings: Settings, distance_km: float | None = None, include_distance: bool = False) -> dict[str, Any]:
    """The API's item: every field the issue names, values as stored (JSON escapes them)."""
    state = freshness(activity, settings)
    item = {
        "id": activity.id, "name": activity.name,
        "organisation": activity.organisation.name if activity.organisation else None,
        "description": activity.description, "categories": list(activity.categories or []),
        "lat": activity.lat, "lon": activity.lon, "delivery": list(activity.delivery or []), "status": activity.status,
        "areas": {"ward": activity.ward_code, "lad": activity.lad_code, "stp": activity.stp_code, "icb": activity.icb_code},
        "freshness": freshness_json(activity, state),
        "flags": list(activity.flags or []), "schedule_text": activity.schedule_text, "cost_text": activity.cost_text,
        "is_free": activity.is_free, "url": f"/activities/{activity.id}",
        "address": activity.address, "postcode": activity.postcode, "phone": activity.phone, "website": safe_url(activity.website),
    }
    if include_distance:
        item["distance_km"] = None if distance_km is None else round(distance_km, 2)
    return item


# What each audited field is called in a sentence ("phone number corrected by an editor"); fields
# people do not read as such (area codes, the parsed schedule) are left out.
FIELD_WORDS = {
    "name": "name", "description": "description", "organisation_id": "organisation", "categories": "type",
    "audience": "who it is for", "delivery": "how it happens", "schedule_text": "times", "cost_text": "cost",
    "is_free": "whether it is free", "contact_name": "contact", "email": "email address", "phone": "phone number",
    "website": "website", "accessibility": "access", "status": "whether it is running", "capacity": "whether it takes new people",
    "venue": "venue", "address": "address", "postcode": "postcode",
}


def public_origin(origin: Provenance, source_name: str) -> str:
    """Who set a value, as the public may read it: a source by name, a person only by their role."""
    if origin.is_person:
        return "an editor"
    return origin.by.removeprefix("source:") or source_name


def provenance_json(found: dict[str, Provenance], activity: Activity) -> dict[str, dict[str, Any]]:
    """The API's ``provenance``: for each field people read, who set it and on which day (never a person's address)."""
    return {field: {"by": "editor" if origin.is_person else "source", "name": public_origin(origin, activity.source),
                    "date": origin.at.date().isoformat() if origin.at else None}
            for field, origin in found.items() if field in FIELD_WORDS}


def provenance_lines(found: dict[str, Provenance], activity: Activity) -> list[str]:
    """"Most details from Trafford CVS spreadsheet, 3 Oct 2026" then "phone number corrected by an editor, 4 Oct 2026"."""
    groups: dict[tuple[bool, str, str], list[str]] = {}
    for field, origin in found.items():
        if field in FIELD_WORDS and getattr(activity, field) not in (None, "", []):
            day = f"{origin.at.day} {origin.at:%b %Y}" if origin.at else "date not known"
            groups.setdefault((origin.is_person, public_origin(origin, activity.source), day), []).append(FIELD_WORDS[field])
    ordered = sorted(groups.items(), key=lambda item: (item[0][0], -len(item[1])))
    lines = []
    for i, ((is_person, who, day), fields) in enumerate(ordered):
        what = ("Most details" if len(ordered) > 1 else "Details") if i == 0 and not is_person else _listed(fields).capitalize()
        lines.append(f"{what} {'corrected by' if is_person else 'from'} {who}, {day}")
    return lines


def also_listed_line(source: str, last_verified: dt.datetime | None) -> str:
    """"Also listed by demo-oruk, checked 3 Oct 2026": another source's listing of the same activity."""
    checked = f"checked {last_verified.day} {last_verified:%b %Y}" if last_verified else "never checked"
    return f"Also listed by {source}, {checked}"


def also_listed_json(listings) -> list[dict[str, Any]]:
    """The API's ``also_listed``: other listings (``AlsoListed`` or Activity) as id, source and check date."""
    return [{"id": o.id, "source": o.source,
             "last_verified": o.last_verified.date().isoformat() if isinstance(o.last_verified, dt.datetime) else None}
            for o in listings]


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def sms_text(activities: list[Activity]) -> str:
    """A short text a link worker can send: name, when, where, phone — one line each."""
    lines = []
    for activity in activities:
        parts = [activity.name, activity.schedule_text, activity.postcode or "", activity.phone or ""]
        lines.append(" · ".join(p.strip() for p in parts if p and p.strip()))
    return "\n".join(lines)


# --- Tidy facts for the pages: one style for times, costs, places and distances --------------------

ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "5th", -1: "last"}
KM_PER_MILE = 1.609344
SUMMARY_CHARS = 140


def clock_time(value: dt.time) -> str:
    """10:00 → "10am", 13:30 → "1:30pm", 12:00 → "12pm": the way people say times in England."""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _session_line(days: tuple[str, ...], opens: dt.time | None, closes: dt.time | None, frequency: str,
                  weeks: tuple[int, ...]) -> str:
    """"Wednesdays, 1:30pm to 2:30pm", "2nd and 4th Wednesday of the month, 10am to 12pm", "Every day, 9am to 5pm"."""
    from assetmap.vocab import DAY_LABELS, DAYS

    names = [DAY_LABELS[d] for d in DAYS if d in days]
    if frequency == "daily" or len(names) == 7:
        when = "Every day"
    elif weeks:
        when = f"{_joined([ORDINALS.get(w, str(w)) for w in weeks])} {_joined(names)} of the month"
        when = when[0].upper() + when[1:]
    elif frequency == "fortnightly":
        when = f"Every other {_joined(names)}"
    else:
        when = _joined([n + "s" for n in names])
    if opens and closes:
        return f"{when}, {clock_time(opens)} to {clock_time(closes)}"
    return f"{when}, from {clock_time(opens)}" if opens else when


def when_line(activity: Activity) -> str:
    """When it meets in one style, from the typed schedule; the text as written when the schedule says no more."""
    from assetmap.schedule import Schedule, parse_schedule

    schedule = Schedule.from_extra(activity.extra)
    if schedule is None and activity.schedule_text:   # a record made before schedules were typed: read its text now
        schedule = parse_schedule(activity.schedule_text).schedule
    if schedule is None or schedule.frequency == "irregular" or not (schedule.days or schedule.dates):
        return (activity.schedule_text or "").strip()
    times = f", {clock_time(schedule.opens)} to {clock_time(schedule.closes)}" if schedule.opens and schedule.closes else ""
    if schedule.frequency == "once" and schedule.dates:
        return "; ".join(f"{d:%A} {d.day} {d:%B %Y}" for d in schedule.dates) + times
    sessions = schedule.sessions or ()
    lines = [_session_line(s.days, s.opens, s.closes, schedule.frequency, s.week_of_month) for s in sessions if s.days]
    if not lines:
        lines = [_session_line(schedule.days, schedule.opens, schedule.closes, schedule.frequency, schedule.week_of_month)]
    line = "; ".join(dict.fromkeys(lines))
    return line + " (term time only)" if schedule.term_time_only else line


FREE_WORDS = re.compile(r"^\W*(free|£?\s*0(\.00)?|nil|no charge|none|no cost|free of charge)\W*(\(?\s*free\s*\)?)?\W*$", re.IGNORECASE)
DONATION = re.compile(r"\b(donation|donations|pay what you (can|feel)|voluntary contribution)\b", re.IGNORECASE)
PRICE = re.compile(r"^\W*£\s*(\d+(?:\.\d\d)?)\s*(?:(?:per|a|each|/)\s*(session|class|week|visit|month|year|meeting|person|hour))?\W*$",
                   re.IGNORECASE)


def cost_line(activity: Activity) -> str:
    """Costs in one style: "Free", "£2 a session", "Donation"; any other wording as written."""
    text = " ".join((activity.cost_text or "").split())
    if not text:
        return "Free" if activity.is_free else ""
    if FREE_WORDS.match(text):
        return "Free"
    if DONATION.search(text) and len(text) <= 40:
        return "Donation"
    price = PRICE.match(text)
    if price:
        amount = price.group(1).removesuffix(".00")
        return f"£{amount} a {(price.group(2) or 'session').lower()}"
    return text


def address_line(activity: Activity) -> str:
    """The address's lines joined with commas, each once, the postcode last (the venue is shown apart)."""
    lines = [part.strip(" ,;") for part in re.split(r"[\n\r;,]+", activity.address or "")]
    seen, kept = set(), []
    venue = (activity.venue or "").strip().lower()
    for part in lines:
        if part and part.lower() not in seen and part.lower() != venue:
            seen.add(part.lower())
            kept.append(part)
    postcode = (activity.postcode or "").strip()
    if postcode and postcode.replace(" ", "").lower() not in "".join(kept).replace(" ", "").lower():
        kept.append(postcode)
    return ", ".join(kept)


def summary(activity: Activity, limit: int = SUMMARY_CHARS) -> str:
    """The description's first sentence or line, cut at a word before ``limit`` characters ("…")."""
    text = " ".join((activity.description or "").split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0] if text else ""
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0] if " " in first[:limit] else first[:limit]
    return cut.rstrip(" ,;:") + "…"


def distance_words(km: float, units: str = "miles") -> str:
    """"0.4 miles away", "12 miles away" (or km as the setting says)."""
    value, unit = (km, "km") if units == "km" else (km / KM_PER_MILE, "miles")
    if value < 0.1:
        return f"Under 0.1 {unit} away"
    if unit == "miles" and round(value, 1) == 1.0:
        return "1 mile away"
    number = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return f"{number} {unit} away"


def limit_words(km: float, units: str = "miles") -> str:
    """A search's distance limit: "3 miles", "5 km"."""
    value = km if units == "km" else km / KM_PER_MILE
    number = f"{value:.1f}".removesuffix(".0")
    return f"{number} {'km' if units == 'km' else ('mile' if number == '1' else 'miles')}"


def widening_note(limit_km: float, within: int, nearest_km: float | None, units: str = "miles") -> str:
    """What a near search that found too few close by says: "Nothing within 3 miles; the nearest are 14 miles away"."""
    limit = limit_words(limit_km, units)
    further = "" if nearest_km is None else distance_words(nearest_km, units)
    if within == 0:
        return f"Nothing within {limit}; the nearest are {further}." if further else f"Nothing within {limit}."
    what = "1 activity" if within == 1 else f"{within} activities"
    tail = f"; others further away are shown too (the next is {further})" if further else ""
    return f"Only {what} within {limit}{tail}."


def area_line(ward: str | None, council: str | None) -> str:
    """"In Sale Central, Trafford": the ward and council names (either alone when only one is known)."""
    names = [n for n in (ward, council) if n]
    if ward and council and ward.strip().lower() == council.strip().lower():
        names = [council]
    return f"In {', '.join(names)}" if names else ""


REMOTE_WORDS = {("telephone",): "By phone", ("online",): "Online", ("online", "telephone"): "By phone or online"}


def serves_line(activity: Activity, area_names: list[str]) -> str:
    """For a record that serves an area rather than a spot: "Serves all of Trafford", "By phone, anywhere in Kent".

    A phone or online service (nothing in person) says how and where; one with a service area says
    so instead of a distance to its office. "" when the record is simply at a place.
    """
    delivery = tuple(sorted(d for d in activity.delivery or [] if d in ("online", "telephone")))
    remote = bool(delivery) and "in_person" not in (activity.delivery or [])
    where = _joined(area_names) if area_names else ""
    if remote:
        how = REMOTE_WORDS.get(delivery, "By phone or online")
        return f"{how}, anywhere in {where}" if where else f"{how}, from anywhere"
    if where:
        return f"Serves all of {where}"
    return ""


def capacity_label(activity: Activity) -> str:
    """"Taking new people" / "Waiting list" / "Needs a referral", or "" when the record does not say."""
    from assetmap.vocab import CAPACITY_LABELS

    return CAPACITY_LABELS.get(activity.capacity or "", "")


LINKABLE = re.compile(
    r"(?P<url>\b(?:https?://|www\.)[^\s<>\"']+)"
    r"|(?P<email>\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b)",
    re.IGNORECASE,
)
TRAILING = ".,;:!?)]}'\""


def linkify(text: str | None):
    """Text with its web addresses and e-mail addresses made into links: escaped first, then linked.

    Only http(s) and mailto links are made; each web link carries rel="nofollow noopener". The
    result is Markup, safe to put in a template as it is.
    """
    from markupsafe import Markup, escape

    raw = text or ""
    out, last = [], 0
    for match in LINKABLE.finditer(raw):
        found = match.group(0)
        stripped = found.rstrip(TRAILING)
        if found.endswith(")") and stripped.count("(") < found[:len(stripped) + 1].count("(") and "(" in stripped:
            stripped = found[:len(stripped) + 1]   # keep a closing bracket that is part of the address (Wikipedia links)
        out.append(escape(raw[last:match.start()]))
        if match.group("email"):
            out.append(Markup('<a href="mailto:{0}">{0}</a>').format(stripped))
        else:
            href = stripped if stripped.lower().startswith(("http://", "https://")) else "https://" + stripped
            out.append(Markup('<a href="{0}" rel="nofollow noopener">{1}</a>').format(href, stripped))
        out.append(escape(found[len(stripped):]))
        last = match.end()
    out.append(escape(raw[last:]))
    return Markup("").join(out)


def spoken_times(text: str) -> str:
    """24-hour times in a line ("Next: Wednesday 24 June, 13:30") said the same way as the schedule ("1:30pm")."""
    return re.sub(r"\b([01]?\d|2[0-3]):([0-5]\d)\b", lambda m: clock_time(dt.time(int(m.group(1)), int(m.group(2)))), text or "")
