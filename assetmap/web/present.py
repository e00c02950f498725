"""Activities in plain English: the API's item dict, the page's freshness line, the SMS text.

Pure functions of an Activity and the settings, so the wording is tested without a server.
Nothing here builds HTML: templates escape every value.
"""

from __future__ import annotations

import datetime as dt
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
    return thresholds_for(activity.source, settings.ageing_after_days, settings.stale_after_days, settings.source_stale_days)


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
    method = method_of(activity.verified_how)
    listed_since = (method == "source_assured" and "assured_date" in (activity.raw or {}) and activity.status == "active"
                    and activity.last_ingested is not None and as_utc(activity.last_ingested).date() > as_utc(activity.last_verified).date())
    return check_label(method, as_utc(activity.last_verified), public_checker(activity.verified_by), activity.source, listed_since)


def freshness_line(activity: Activity, state: Freshness) -> str:
    """"Checked by the organiser on 3 Oct 2026" / "… — details may be out of date" (stale) / "Never checked — …"."""
    if state.state == "unknown":
        return "Never checked — ring before you go"
    line = check_line(activity)
    if state.state == "stale":
        return f"Not checked for {describe_age(state.days).removesuffix(' ago')} — details may be out of date ({line})"
    if state.state == "ageing":
        return f"{line} — worth ringing before you go"
    return line


def freshness_json(activity: Activity, state: Freshness) -> dict[str, Any]:
    """The API's ``freshness``: state, date, method and source (a source's name only for a source's assertion)."""
    verified = activity.last_verified.date().isoformat() if isinstance(activity.last_verified, dt.datetime) else None
    method = method_of(activity.verified_how) if verified else ""
    return {"state": state.state, "last_verified": verified, "verified_by": public_checker(activity.verified_by) or None,
            "method": method or None, "source": activity.source if method in SOURCE_METHODS else None,
            "label": freshness_line(activity, state)}


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
