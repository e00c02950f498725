"""What each export says about an activity: CSV columns, the map's compact properties, a calendar entry.

The writers in ``assetmap.exports`` are format-only; this module decides the content, from the same
``to_item`` the JSON API gives, so an export never says more than the API does (no e-mail address,
no editor notes, nothing unpublished).
"""

from __future__ import annotations

import datetime as dt

from assetmap.config import Settings
from assetmap.exports.ical import Entry
from assetmap.models import Activity
from assetmap.schedule import Schedule, local_date
from assetmap.search import SearchHit

from .present import also_listed_json, category_labels, freshness, to_item


def absolute(settings: Settings, path: str) -> str:
    """``ASSETMAP_BASE_URL`` + path when the site's address is set, else the path (never the request's Host)."""
    return (settings.base_url or "").rstrip("/") + path


def export_item(hit: SearchHit, settings: Settings, has_near: bool) -> dict:
    """The API item, its other listings, and the public fields a spreadsheet user asks for that the list leaves out."""
    activity = hit.activity
    return to_item(activity, settings, hit.distance_km, has_near) | {
        "also_listed": also_listed_json(hit.also_listed), "venue": activity.venue,
        "audience": list(activity.audience or []), "accessibility": list(activity.accessibility or []),
    }


def csv_columns(settings: Settings, has_near: bool) -> list:
    """Heading and reader for each CSV column; distance only when the search was near a place."""
    columns = [
        ("id", lambda i: i["id"]), ("name", lambda i: i["name"]), ("organisation", lambda i: i["organisation"]),
        ("description", lambda i: i["description"]), ("categories", lambda i: i["categories"]),
        ("who_for", lambda i: i["audience"]), ("how", lambda i: i["delivery"]), ("when", lambda i: i["schedule_text"]),
        ("cost", lambda i: i["cost_text"]), ("free", lambda i: i["is_free"]), ("status", lambda i: i["status"]),
        ("venue", lambda i: i["venue"]), ("address", lambda i: i["address"]), ("postcode", lambda i: i["postcode"]),
        ("lat", lambda i: i["lat"]), ("lon", lambda i: i["lon"]), ("access", lambda i: i["accessibility"]),
        ("phone", lambda i: i["phone"]), ("website", lambda i: i["website"]),
        ("ward_code", lambda i: i["areas"]["ward"]), ("council_code", lambda i: i["areas"]["lad"]),
        ("stp_code", lambda i: i["areas"]["stp"]), ("icb_code", lambda i: i["areas"]["icb"]),
        ("freshness", lambda i: i["freshness"]["state"]), ("last_checked", lambda i: i["freshness"]["last_verified"]),
        ("checked", lambda i: i["freshness"]["label"]), ("page", lambda i: absolute(settings, i["url"])),
        ("also_listed_ids", lambda i: [o["id"] for o in i["also_listed"]]),
    ]
    return columns + ([("distance_km", lambda i: i["distance_km"])] if has_near else [])


COMPACT_COLUMNS = (Activity.id, Activity.name, Activity.categories, Activity.last_verified, Activity.source, Activity.lat, Activity.lon)


def compact_properties(activity, settings: Settings, categories=None) -> dict:
    """The browse map's few fields per point: id, name, freshness state (as the API item says it) and categories.

    ``activity`` is a row of ``COMPACT_COLUMNS`` (or an Activity): a map of the whole directory loads no more than these.
    The page is ``/activities/<id>``, so it is not repeated for each of thousands of points. ``categories``
    replaces the activity's own (the map passes them through as JSON text, undecoded).
    """
    return {"id": activity.id, "name": activity.name, "freshness": freshness(activity, settings).state,
            "categories": list(activity.categories or []) if categories is None else categories}


def calendar_entry(activity: Activity, settings: Settings, freshness_label: str) -> Entry:
    """An activity as the calendar writer reads it; the description says when it was last checked."""
    url = absolute(settings, f"/activities/{activity.id}")
    lines = [activity.description, f"When: {activity.schedule_text}" if activity.schedule_text else "",
             f"Cost: {activity.cost_text}" if activity.cost_text else "", f"Phone: {activity.phone}" if activity.phone else "",
             freshness_label, f"Details: {url}"]
    where = ", ".join(p for p in (activity.venue, activity.address, activity.postcode) if p)
    return Entry(
        id=activity.id, name=activity.name, schedule=Schedule.from_extra(activity.extra), description="\n".join(x for x in lines if x),
        location=where, lat=activity.lat, lon=activity.lon, url=url if url.startswith(("http://", "https://")) else None,
        status=activity.status, categories=tuple(category_labels(activity)), modified=_aware(activity.last_modified or activity.last_ingested),
        since=local_date(_aware(activity.first_seen)) if activity.first_seen else None,
    )


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives naive datetimes back: they are UTC."""
    return None if moment is None else moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def download_name(stem: str, today: dt.date, suffix: str) -> str:
    return f"{stem}-{today.isoformat()}.{suffix}"
