"""Nested feed records (Open Referral UK services, OpenActive RPDE items) as flat fields.

The cleaner then treats them like a spreadsheet row with the same field names as ``headers``.
ORUK 3.0 and the older 1.x/2.x profiles differ in names (``schedules`` / ``regular_schedules``,
``addresses`` / ``physical_addresses``, ``attributes`` / ``service_taxonomys``); both are read, and
``oruk_profile`` says which one a record looks like so the report can tell the person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from assetmap import schedule as schedules
from assetmap.vocab import DAY_NAMES

LEGACY_KEYS = {"regular_schedules", "holiday_schedules", "service_taxonomys", "eligibilitys", "physical_addresses",
               "accessibility_for_disabilities", "review", "reviews", "link_taxonomy"}
GSS_RE = re.compile(r"\b[EWSN]\d{8}\b")


def _walk_keys(value: Any, depth: int = 0) -> Iterable[str]:
    if depth > 3:
        return
    if isinstance(value, Mapping):
        for key, inner in value.items():
            yield key
            yield from _walk_keys(inner, depth + 1)
    elif isinstance(value, list):
        for inner in value[:3]:
            yield from _walk_keys(inner, depth + 1)


def oruk_profile(service: Mapping[str, Any]) -> str:
    """``oruk-1.x`` for the older profiles (any legacy field name), otherwise ``oruk-3.0``."""
    return "oruk-1.x" if LEGACY_KEYS & set(_walk_keys(service)) else "oruk-3.0"


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in (value or []) if isinstance(v, Mapping)] if isinstance(value, list) else []


def _locations(service: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = [sal.get("location") or sal for sal in _items(service.get("service_at_locations"))]
    found += _items(service.get("locations"))
    return [loc for loc in found if isinstance(loc, Mapping)]


def _address(location: Mapping[str, Any]) -> Mapping[str, Any]:
    addresses = _items(location.get("addresses")) + _items(location.get("physical_addresses"))
    physical = [a for a in addresses if a.get("address_type") in (None, "physical")]
    return (physical or addresses or [{}])[0]


def _address_text(address: Mapping[str, Any]) -> str:
    parts = [address.get(k) for k in ("address_1", "address_2", "city", "state_province")]
    return ", ".join(str(p).strip() for p in parts if p and str(p).strip())


def _phones(service: Mapping[str, Any]) -> list[str]:
    numbers = [p.get("number") for p in _items(service.get("phones"))]
    for contact in _items(service.get("contacts")):
        numbers += [p.get("number") for p in _items(contact.get("phones"))]
    return [str(n) for n in numbers if n]


def _terms(service: Mapping[str, Any]) -> list[str]:
    """Taxonomy term names: 3.0 ``attributes[].taxonomy_term``, 1.x ``service_taxonomys[].taxonomy``."""
    names = []
    for link in _items(service.get("attributes")) + _items(service.get("service_taxonomys")):
        term = link.get("taxonomy_term") or link.get("taxonomy") or {}
        if isinstance(term, Mapping):
            names.append(term.get("name") or term.get("term"))
    return [str(n) for n in names if n and str(n).strip()]


def _cost(service: Mapping[str, Any]) -> tuple[str, bool | None]:
    """Cost text from cost options ("£35 per 1 hour session (Under 18s and Over 60s)") or ``fees``; free when every
    option's amount is 0, and then ``fees`` words it better than "£0" (assetmap's own feed says "Free (donations welcome)")."""
    texts, amounts = [], []
    for option in _items(service.get("cost_options")):
        amount = option.get("amount")
        if isinstance(amount, (int, float)):
            amounts.append(float(amount))
        words = [f"£{amount:g}" if isinstance(amount, (int, float)) else "", option.get("amount_description") or ""]
        text = " ".join(w for w in words if w)
        texts.append(f"{text} ({option['option']})" if option.get("option") else text)
    fees = str(service.get("fees") or "").strip()
    free = (all(a == 0 for a in amounts) if amounts else None)
    text = fees if fees and free else "; ".join(t for t in texts if t) or fees
    return text, free


def _audience(service: Mapping[str, Any]) -> list[str]:
    tags = [e.get("eligibility") for e in _items(service.get("eligibilitys"))]
    low, high = service.get("minimum_age"), service.get("maximum_age")
    if low is not None or high is not None:
        tags.append(f"Ages {low if low is not None else 0}" + (f" to {high}" if high is not None else " and over"))
    return [str(t) for t in tags if t]


def _service_area(service: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    codes, names = [], []
    for area in _items(service.get("service_areas")):
        text = " ".join(str(area.get(k) or "") for k in ("uri", "extent", "service_area", "name"))
        codes += GSS_RE.findall(text)
        names.append(str(area.get("service_area") or area.get("name") or "").strip())
    return list(dict.fromkeys(codes)), [n for n in dict.fromkeys(names) if n]


def _location_fields(locations: list[Mapping[str, Any]]) -> dict[str, Any]:
    if not locations:
        return {}
    first = locations[0]
    address = _address(first)
    accessibility = _items(first.get("accessibility")) + _items(first.get("accessibility_for_disabilities"))
    return {
        "venue": first.get("name"),
        "address": _address_text(address),
        "postcode": address.get("postal_code"),
        "lat": first.get("latitude"),
        "lon": first.get("longitude"),
        "accessibility": [a.get("description") or a.get("accessibility") for a in accessibility if a.get("description") or a.get("accessibility")],
        "location_type": first.get("location_type"),
    }


def oruk_fields(service: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(fields, extra)`` for one ORUK service, whichever profile it follows."""
    locations = _locations(service)
    located = _location_fields(locations)
    cost_text, free = _cost(service)
    codes, area_names = _service_area(service)
    parsed, schedule_text = oruk_schedule(_items(service.get("schedules")) + _items(service.get("regular_schedules")))
    contacts = _items(service.get("contacts"))
    fields = {
        "source_id": service.get("id"), "name": service.get("name"), "description": service.get("description"),
        "website": service.get("url") or service.get("website"), "email": service.get("email"),
        "status": service.get("status"), "cost": cost_text, "is_free": free, "category": _terms(service),
        "audience": _audience(service), "phone": (_phones(service) or [None])[0],
        "contact": contacts[0].get("name") if contacts else None, "service_area": codes,
        "last_verified": service.get("assured_date") or service.get("last_modified"),
        "verified_by": service.get("assurer_email"), "last_modified": service.get("last_modified"),
        "verified_how": "source_assured" if service.get("assured_date") else "source_updated",
        "schedule": schedule_text, "schedule_parsed": parsed,
        "delivery": _oruk_delivery(service, locations), "organisation_record": service.get("organization"),
        **{k: v for k, v in located.items() if k != "location_type"},
    }
    return fields, _oruk_extra(service, locations, area_names)


def oruk_schedule(entries: list[Mapping[str, Any]]) -> tuple[schedules.ParsedSchedule, str]:
    """The schedule from ORUK's rules, or from their description when it says the same days, times and frequency.

    Rules cannot say "term time only", "not on bank holidays", a date range's words or "daily"; a
    description that agrees with the rules (as assetmap's own feed writes it) is read for those too,
    so a record keeps its schedule through a round trip. A description that disagrees never wins.
    """
    parsed, text = schedules.from_oruk(entries)
    if not text or parsed.schedule is None or not any(e.get("freq") or e.get("byday") for e in entries):
        return parsed, text
    from_text = schedules.parse_schedule(text)
    return (from_text, text) if from_text.schedule is not None and _same_rule(from_text.schedule, parsed.schedule) else (parsed, text)


def _same_rule(a: schedules.Schedule, b: schedules.Schedule) -> bool:
    """Same days, times and frequency; "daily" is the same as weekly on all seven days."""
    def rule(s: schedules.Schedule) -> tuple:
        frequency = "daily" if s.frequency == "weekly" and len(s.days) == 7 else s.frequency
        return frequency, tuple(s.days), {(d, x.opens, x.closes, w) for x in s.sessions for d in x.days for w in x.week_of_month or (0,)}
    return rule(a) == rule(b)


def _oruk_delivery(service: Mapping[str, Any], locations: list[Mapping[str, Any]]) -> list[str]:
    words = [str(s.get("attending_type") or "") for s in _items(service.get("schedules"))]
    words += [str(service.get("attending_type") or ""), str(service.get("delivery") or "")]
    kinds = [loc.get("location_type") for loc in locations]   # a postal address is where to write, not where it happens
    words += ["online" if kind == "virtual" else "in person" for kind in kinds if kind != "postal"]
    return [w for w in words if w.strip()]


def _oruk_extra(service: Mapping[str, Any], locations: list[Mapping[str, Any]], area_names: list[str]) -> dict[str, Any]:
    extra = {k: service[k] for k in ("alert", "accreditations", "minimum_age", "maximum_age") if service.get(k)}
    extra.update({k: v for k, v in service.items() if k.startswith("pc_") and v not in (None, "", [])})
    if area_names:
        extra["service_area_text"] = area_names
    if len(locations) > 1:
        extra["other_locations"] = [
            {"name": loc.get("name"), "postcode": _address(loc).get("postal_code"),
             "lat": loc.get("latitude"), "lon": loc.get("longitude")}
            for loc in locations[1:]
        ]
    return extra


def oruk_organisation_fields(org: Mapping[str, Any]) -> dict[str, Any]:
    """An ORUK organisation as fields: identifiers give charity and company numbers."""
    fields = {"source_id": org.get("id"), "name": org.get("name"), "description": org.get("description"),
              "website": org.get("website") or org.get("url"), "email": org.get("email")}
    for ident in _items(org.get("organization_identifiers")):
        scheme = f"{ident.get('identifier_scheme', '')} {ident.get('identifier_type', '')}".lower()
        if "chty" in scheme or "charity" in scheme:
            fields.setdefault("charity_number", ident.get("identifier"))
        elif "coh" in scheme or "company" in scheme or scheme.startswith("uk-co"):
            fields.setdefault("company_number", ident.get("identifier"))
    phones = _phones(org)
    if phones:
        fields["phone"] = phones[0]
    return fields


# --- OpenActive (RPDE items whose data is schema.org-style JSON-LD) ------------------------------

def _labels(values: Any) -> list[str]:
    items = values if isinstance(values, list) else [values] if values else []
    return [str(v.get("prefLabel") or v.get("name") or "") if isinstance(v, Mapping) else str(v) for v in items]


def _openactive_schedule(data: Mapping[str, Any]) -> tuple[Any, str]:
    entries = []
    for schedule in _items(data.get("eventSchedule")):
        days = [schedules.ical_of(DAY_NAMES.get(str(d).rsplit("/", 1)[-1].lower())) for d in schedule.get("byDay") or []]
        weeks = str(schedule.get("repeatFrequency") or "P1W")
        entries.append({"byday": ",".join(d for d in days if d), "opens_at": schedule.get("startTime"),
                        "closes_at": schedule.get("endTime"), "freq": "MONTHLY" if "M" in weeks[1:] else "WEEKLY",
                        "interval": 2 if weeks == "P2W" else 1})
    return schedules.from_oruk(entries)


def _openactive_place(data: Mapping[str, Any]) -> dict[str, Any]:
    place = data.get("location") or (data.get("superEvent") or {}).get("location") or {}
    if not isinstance(place, Mapping):
        return {}
    address = place.get("address") or {}
    geo = place.get("geo") or {}
    if isinstance(address, Mapping):
        text = ", ".join(str(address.get(k)) for k in ("streetAddress", "addressLocality", "addressRegion") if address.get(k))
        postcode = address.get("postalCode")
    else:
        text, postcode = str(address), None
    return {"venue": place.get("name"), "address": text, "postcode": postcode,
            "lat": geo.get("latitude"), "lon": geo.get("longitude")}


def _offers_cost(data: Mapping[str, Any]) -> tuple[str, bool | None]:
    prices = [o.get("price") for o in _items(data.get("offers")) if o.get("price") is not None]
    if not prices:
        return "", None
    numbers = [float(p) for p in prices if isinstance(p, (int, float)) or str(p).replace(".", "", 1).isdigit()]
    text = "; ".join("Free" if float(p) == 0 else f"£{float(p):.2f}" for p in numbers)
    return text, all(n == 0 for n in numbers) if numbers else None


def _age_range(age: Mapping) -> str:
    """An OpenActive ``ageRange`` in words: "Ages 18 to 65", "Ages 60 and over"."""
    upper = f" to {age['maxValue']}" if age.get("maxValue") else " and over"
    return f"Ages {age.get('minValue', 0)}{upper}"


def openactive_fields(item: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(fields, extra)`` for one RPDE item; a ``deleted`` item has only its id."""
    if str(item.get("state", "")).lower() == "deleted":
        return {"source_id": item.get("id"), "deleted": True}, {}
    data = item.get("data") or {}
    parent = data.get("superEvent") if isinstance(data.get("superEvent"), Mapping) else {}
    organizer = data.get("organizer") or parent.get("organizer") or {}
    parsed, schedule_text = _openactive_schedule(data)
    cost_text, free = _offers_cost(data)
    age = data.get("ageRange") or {}
    audience = _labels(data.get("audience")) + ([_age_range(age)] if isinstance(age, Mapping) and age else [])
    fields = {
        "source_id": item.get("id") or data.get("identifier") or data.get("@id"),
        "name": data.get("name") or parent.get("name"), "description": data.get("description") or parent.get("description"),
        "website": data.get("url") or parent.get("url"), "category": _labels(data.get("activity") or parent.get("activity")),
        "audience": audience, "accessibility": _labels(data.get("accessibilitySupport")),
        "cost": cost_text, "is_free": free, "schedule": schedule_text or data.get("schedulingNote"),
        "schedule_parsed": parsed if parsed.tokens else None,
        "delivery": ["online" if data.get("isVirtual") or "Online" in str(data.get("eventAttendanceMode", "")) else "in person"],
        "status": "closed" if str(data.get("eventStatus", "")).endswith(("Cancelled", "EventCancelled")) else None,
        "organisation_record": _organizer(organizer),
        **_openactive_place(data),
    }
    extra = {"kind": item.get("kind"), "rpde_modified": item.get("modified")}  # an RPDE change number, not a date
    if data.get("genderRestriction"):
        extra["gender"] = data["genderRestriction"]
    return fields, extra


def _organizer(organizer: Any) -> dict[str, Any] | None:
    if not isinstance(organizer, Mapping) or not organizer.get("name"):
        return None
    return {"id": organizer.get("id") or organizer.get("@id") or organizer.get("identifier"), "name": organizer.get("name"),
            "website": organizer.get("url"), "email": organizer.get("email"),
            "phones": [{"number": organizer["telephone"]}] if organizer.get("telephone") else []}
