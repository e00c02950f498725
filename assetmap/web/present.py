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
from assetmap.config import Settings
from assetmap.freshness import Freshness, describe_age, freshness_of
from assetmap.models import Activity
from assetmap.vocab import DELIVERY_LABELS

SAFE_SCHEMES = ("http", "https")
WHO_WORDS = {"organiser": "the organiser", "organizer": "the organiser"}


def freshness(activity: Activity, settings: Settings) -> Freshness:
    return freshness_of(activity.last_verified, settings.clock(), settings.ageing_after_days, settings.stale_after_days)


def freshness_line(activity: Activity, state: Freshness) -> str:
    """"Checked by the organiser 2 months ago" / "Not checked for 14 months — details may be out of date"."""
    if state.state == "unknown":
        return "Never checked — ring before you go"
    who = (activity.verified_by or "").strip()
    by = f" by {WHO_WORDS.get(who.lower(), who)}" if who else ""
    if state.state == "stale":
        return f"Not checked for {describe_age(state.days).removesuffix(' ago')} — details may be out of date"
    if state.state == "ageing":
        return f"Checked{by} {describe_age(state.days)} — worth ringing before you go"
    return f"Checked{by} {describe_age(state.days)}"


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
    verified = activity.last_verified.date().isoformat() if isinstance(activity.last_verified, dt.datetime) else None
    item = {
        "id": activity.id, "name": activity.name,
        "organisation": activity.organisation.name if activity.organisation else None,
        "description": activity.description, "categories": list(activity.categories or []),
        "lat": activity.lat, "lon": activity.lon, "delivery": list(activity.delivery or []), "status": activity.status,
        "areas": {"ward": activity.ward_code, "lad": activity.lad_code, "stp": activity.stp_code, "icb": activity.icb_code},
        "freshness": {"state": state.state, "last_verified": verified, "verified_by": activity.verified_by, "label": freshness_line(activity, state)},
        "flags": list(activity.flags or []), "schedule_text": activity.schedule_text, "cost_text": activity.cost_text,
        "is_free": activity.is_free, "url": f"/activities/{activity.id}",
        "address": activity.address, "postcode": activity.postcode, "phone": activity.phone, "website": safe_url(activity.website),
    }
    if include_distance:
        item["distance_km"] = None if distance_km is None else round(distance_km, 2)
    return item


def sms_text(activities: list[Activity]) -> str:
    """A short text a link worker can send: name, when, where, phone — one line each."""
    lines = []
    for activity in activities:
        parts = [activity.name, activity.schedule_text, activity.postcode or "", activity.phone or ""]
        lines.append(" · ".join(p.strip() for p in parts if p and p.strip()))
    return "\n".join(lines)
