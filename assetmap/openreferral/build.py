"""Pure: activities, organisations and what a page loaded beside them → ORUK 3.0 dicts.

Optional fields are left out, never null; a required text the directory does not hold is "" (an
organisation's ``description``, an address's ``state_province``). Nothing here reads the database:
``Context`` carries what ``query`` loaded for the whole page (organisations, when each record was
last checked, area names), so building a page costs no query per record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from assetmap import taxonomy
from assetmap.models import Activity, Organisation
from assetmap.openreferral.ids import TAXONOMY_ID, derived, service_at_location_id, term_id
from assetmap.openreferral.schedules import oruk_schedules

API_VERSION = "HSDS-UK-3.0"
PROFILE_URL = "https://openreferraluk.org/specifications/3.0"
ONS_URI = "http://statistics.data.gov.uk/id/statistical-geography/{code}"
TAXONOMY_NAME = "assetmap categories"
STATUS = {"active": "active", "paused": "temporarily closed", "closed": "defunct"}
SAFE_SCHEMES = ("http", "https")


@dataclasses.dataclass
class Context:
    """What one page's records need besides themselves, loaded in bulk by ``query.load_context``."""

    organisations: Mapping[str, Organisation] = dataclasses.field(default_factory=dict)
    assured: Mapping[str, dt.datetime] = dataclasses.field(default_factory=dict)   # activity id → last check
    area_names: Mapping[str, str] = dataclasses.field(default_factory=dict)         # ONS code → name
    assurer_email: str = ""                                                         # the directory's public address


# --- small values --------------------------------------------------------------------------------

def timestamp(value: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC with milliseconds, as ORUK asks: "2026-05-15T10:30:45.123Z"; a naive value is UTC."""
    if value is None:
        return None
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def safe_url(url: str | None) -> str | None:
    """Only absolute http(s) addresses are published (a feed's ``format: uri``)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme.lower() in SAFE_SCHEMES and parts.netloc else None


def _set(target: dict[str, Any], **values: Any) -> dict[str, Any]:
    """Add the values that are present: ORUK wants an optional field left out, never null or empty."""
    target.update({k: v for k, v in values.items() if v is not None and v != "" and v != []})
    return target


def modified_at(activity: Activity, assured: dt.datetime | None = None) -> dt.datetime | None:
    """When the record or anything about it last changed, a check included (ORUK's ``last_modified``)."""
    found = [_utc(v) for v in (activity.last_modified, activity.last_verified, assured, activity.first_seen) if v is not None]
    return max(found) if found else None


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# --- taxonomy ------------------------------------------------------------------------------------

def taxonomy_json(with_terms: bool = False) -> dict[str, Any]:
    found = {"id": TAXONOMY_ID, "name": TAXONOMY_NAME, "version": "1",
             "description": "The kinds of activity people look for in assetmap, each with a plain-English label."}
    if with_terms:
        found["taxonomy_terms"] = [term_json(slug) for slug in taxonomy.SLUGS]
    return found


def term_json(slug: str) -> dict[str, Any]:
    return {"id": term_id(slug), "name": taxonomy.label(slug), "description": taxonomy.label(slug),
            "taxonomy": TAXONOMY_NAME, "taxonomy_id": TAXONOMY_ID, "term": slug}


TERM_SLUGS = {term_id(slug): slug for slug in taxonomy.SLUGS}


def attributes(activity: Activity) -> list[dict[str, Any]]:
    return [{"id": derived("attribute", activity.id, slug), "link_id": activity.id, "taxonomy_term_id": term_id(slug),
             "link_type": "category", "taxonomy_term": term_json(slug)}
            for slug in dict.fromkeys(activity.categories or []) if slug in taxonomy.LABELS]


# --- organisations -------------------------------------------------------------------------------

def organization_json(org: Organisation, full: bool = False) -> dict[str, Any]:
    """An organisation's public face: its own e-mail and phone are for reminders and never published."""
    found = _set({"id": org.id, "name": org.name, "description": org.description or ""}, website=safe_url(org.website))
    if full:
        identifiers = [("GB-CHC", "Charity number", org.charity_number), ("GB-COH", "Company number", org.company_number)]
        _set(found, organization_identifiers=[
            {"id": derived("organization_identifier", org.id, scheme), "organization_id": org.id, "identifier_scheme": scheme,
             "identifier_type": kind, "identifier": value} for scheme, kind, value in identifiers if value])
    return found


# --- places --------------------------------------------------------------------------------------

def has_place(activity: Activity) -> bool:
    return activity.lat is not None and activity.lon is not None or bool(activity.postcode or activity.address or activity.venue)


def location_id(activity: Activity) -> str:
    """The same venue, address, postcode and point give the same location, whichever activity is held there."""
    point = "" if activity.lat is None or activity.lon is None else f"{activity.lat:.5f},{activity.lon:.5f}"
    key = "|".join(" ".join(str(v or "").lower().split()) for v in (activity.venue, activity.address, activity.postcode))
    return derived("location", key, point)


def location_type(activity: Activity) -> str:
    """"physical" where people go; "postal" for the address of a service delivered by phone or online only."""
    return "postal" if activity.delivery and "in_person" not in activity.delivery else "physical"


def _address(activity: Activity, loc_id: str, ctx: Context) -> dict[str, Any]:
    """One physical address; the last part of the address text is the town, so the text reads back as it was."""
    parts = (activity.address or "").split(", ")
    first, city = (", ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (activity.address or "", "")
    return _set({"id": derived("address", loc_id), "location_id": loc_id, "address_1": first, "city": city, "state_province": "",
                 "postal_code": activity.postcode or "", "country": "GB", "address_type": location_type(activity)},
                region=ctx.area_names.get(activity.lad_code or ""))


def location_json(activity: Activity, ctx: Context, full: bool = True) -> dict[str, Any]:
    loc_id = location_id(activity)
    found = _set({"id": loc_id, "location_type": location_type(activity)}, name=activity.venue,
                 latitude=None if activity.lat is None else round(activity.lat, 6),
                 longitude=None if activity.lon is None else round(activity.lon, 6))
    if full:
        _set(found, addresses=[_address(activity, loc_id, ctx)] if activity.address or activity.postcode else [],
             accessibility=[{"id": derived("accessibility", loc_id, tag), "location_id": loc_id, "description": tag}
                            for tag in dict.fromkeys(activity.accessibility or [])])
    return found


def service_areas(activity: Activity, ctx: Context) -> list[dict[str, Any]]:
    """The ward and ICB it is in, and any area it says it serves, each named by its ONS code's URI."""
    codes = dict.fromkeys(c for c in (activity.ward_code, activity.icb_code, *(activity.service_area or [])) if c)
    return [_set({"id": derived("service_area", activity.id, code), "service_id": activity.id, "uri": ONS_URI.format(code=code)},
                 name=ctx.area_names.get(code, code), service_area=ctx.area_names.get(code)) for code in codes]


# --- services ------------------------------------------------------------------------------------

def _ages(extra: Mapping[str, Any]) -> dict[str, int]:
    ranges = [r for r in extra.get("ages") or [] if isinstance(r, (list, tuple)) and len(r) == 2]
    if not ranges:
        return {}
    lows, highs = [r[0] for r in ranges if r[0] is not None], [r[1] for r in ranges]
    found = {"minimum_age": min(lows)} if lows else {}
    if highs and all(h is not None for h in highs):
        found["maximum_age"] = max(highs)
    return found


def service_json(activity: Activity, ctx: Context, full: bool = False, with_locations: bool = True) -> dict[str, Any]:
    """One service: its one-to-one fields and organisation; ``full`` adds everything nested under it."""
    extra = activity.extra or {}
    org = ctx.organisations.get(activity.organisation_id or "")
    assured = ctx.assured.get(activity.id) or activity.last_verified
    found = _set({"id": activity.id, "name": activity.name, "status": STATUS.get(activity.status, "active")},
                 organization_id=org.id if org else None, description=activity.description, url=safe_url(activity.website),
                 email=activity.email, fees=activity.cost_text, **_ages(extra),
                 assured_date=_utc(assured).date().isoformat() if assured else None,
                 assurer_email=ctx.assurer_email if assured else None,
                 alert=extra.get("alert") if isinstance(extra.get("alert"), str) else None,
                 accreditations=extra.get("accreditations") if isinstance(extra.get("accreditations"), str) else None,
                 last_modified=timestamp(modified_at(activity, ctx.assured.get(activity.id))))
    if org is not None:
        found["organization"] = organization_json(org, full)
    if not full:
        return found
    return _set(found, schedules=oruk_schedules(activity.id, extra, activity.schedule_text, activity.delivery),
                service_areas=service_areas(activity, ctx),
                service_at_locations=[service_at_location_json(activity, ctx, with_service=False)] if with_locations and has_place(activity) else [],
                phones=[{"id": derived("phone", activity.id, activity.phone), "number": activity.phone}] if activity.phone else [],
                cost_options=[{"id": derived("cost_option", activity.id, "free"), "service_id": activity.id, "amount": 0, "option": "Free"}]
                if activity.is_free else [],
                attributes=attributes(activity))


def service_at_location_json(activity: Activity, ctx: Context, with_service: bool = True, full: bool = True) -> dict[str, Any]:
    """A service at its place; as a list item (``with_service``) it carries the service too, as the ORUK examples do."""
    loc = location_json(activity, ctx, full)
    found = {"id": service_at_location_id(activity.id), "service_id": activity.id, "location_id": loc["id"], "location": loc}
    if with_service:
        found["service"] = service_json(activity, ctx, full=full, with_locations=False)
    return found


# --- lists ---------------------------------------------------------------------------------------

def envelope(contents: Sequence[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    """The ORUK list envelope around one page.

    >>> e = envelope([{"id": "x"}], total=5, page=2, per_page=2)
    >>> e["total_pages"], e["first_page"], e["last_page"], e["size"], e["empty"]
    (3, False, False, 1, False)
    """
    pages = math.ceil(total / per_page) if per_page else 0
    return {"total_items": total, "total_pages": pages, "page_number": page, "size": len(contents),
            "first_page": page == 1, "last_page": page >= pages, "empty": not contents, "contents": list(contents)}


def page_of(items: Iterable[Any], page: int, per_page: int) -> list[Any]:
    items = list(items)
    return items[(page - 1) * per_page: page * per_page]
