"""Which table is which: services, locations, organisations or an Open Referral detail table, by columns and name.

Kept apart from the join (``tables``) so that format sniffing (``readers``) can ask whether a folder
or workbook is a linked directory without importing the join itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from assetmap.ingest import headers, values

SERVICES, LOCATIONS, ORGANISATIONS = "services", "locations", "organisations"
ADDRESSES, SERVICE_AT_LOCATION, CONTACTS, PHONES, SCHEDULES = "addresses", "service_at_location", "contacts", "phones", "schedules"
TAXONOMY_TERMS, SERVICE_TAXONOMY = "taxonomy_terms", "service_taxonomy"
DETAIL_ROLES = (ADDRESSES, SERVICE_AT_LOCATION, CONTACTS, PHONES, SCHEDULES, TAXONOMY_TERMS, SERVICE_TAXONOMY)

# Open Referral tables by file or sheet name (header-key form), then by the columns only they have.
ORUK_NAMES = {
    "serviceatlocation": SERVICE_AT_LOCATION, "serviceatlocations": SERVICE_AT_LOCATION, "servicesatlocation": SERVICE_AT_LOCATION,
    "phones": PHONES, "phone": PHONES, "schedules": SCHEDULES, "schedule": SCHEDULES, "regularschedules": SCHEDULES,
    "contacts": CONTACTS, "contact": CONTACTS, "addresses": ADDRESSES, "address": ADDRESSES, "physicaladdresses": ADDRESSES,
    "taxonomyterms": TAXONOMY_TERMS, "taxonomyterm": TAXONOMY_TERMS, "taxonomy": TAXONOMY_TERMS,
    "servicetaxonomy": SERVICE_TAXONOMY, "servicestaxonomy": SERVICE_TAXONOMY, "attributes": SERVICE_TAXONOMY,
}
ID_REFS = {"serviceid", "locationid", "organizationid", "organisationid", "contactid", "serviceatlocationid"}
ORUK_COLUMNS: tuple[tuple[str, Callable[[set[str]], bool]], ...] = (
    (SCHEDULES, lambda k: "id" in k and bool(k & {"byday", "opensat", "closesat", "freq", "dtstart"})),
    (PHONES, lambda k: "number" in k and bool(k & ID_REFS)),
    (SERVICE_TAXONOMY, lambda k: bool(k & {"taxonomyid", "taxonomytermid"}) and bool(k & {"serviceid", "linkid"})),
    (ADDRESSES, lambda k: "locationid" in k and bool(k & {"postalcode", "address1"})),
    (CONTACTS, lambda k: "id" in k and bool(k & ID_REFS) and bool(k & {"title", "department"})),
    (SERVICE_AT_LOCATION, lambda k: {"serviceid", "locationid"} <= k and "name" not in k),
    (TAXONOMY_TERMS, lambda k: {"id", "name"} <= k and bool(k & {"parentid", "vocabulary", "termuri"}) and not k & ID_REFS),
)
NAME_HINTS = (
    (SERVICES, re.compile(r"servic|activit|session|event|programme")),
    (LOCATIONS, re.compile(r"location|venue|place|site|building|premises")),
    (ORGANISATIONS, re.compile(r"organi[sz]ation|\borgs?\b|provider|charit|partner")),
)
ACTIVITY_SIGNS = {"schedule", "category", "audience", "cost", "delivery", "capacity"}
PLACE_SIGNS = {"postcode", "address", "lat", "lon"}
ORGANISATION_SIGNS = {"charity_number", "company_number"}
ORGANISATION_REF_COLUMNS = {"organisationid", "organizationid", "organisationids", "organizationids", "orgid", "providerid"}


# --- which table is which -------------------------------------------------------------------------

def table_role(name: str, header_cells: Iterable[Any]) -> str | None:
    """``services``, ``locations``, ``organisations``, an Open Referral detail table, or None (not a directory table).

    Columns decide; the file or sheet name breaks ties and tips a close call ("Venues" with an
    "Opening hours" column is still venues).
    """
    cells = [c for c in header_cells if values.plain(c)]
    keys = {headers.header_key(c) for c in cells}
    stem = headers.header_key(name)
    if stem in ORUK_NAMES and keys & (ID_REFS | {"id"}):
        return ORUK_NAMES[stem]
    for role, has_columns in ORUK_COLUMNS:
        if has_columns(keys):
            return role
    return _main_role(name, {headers.field_for(c) for c in cells} - {None})


def _main_role(name: str, fields: set[str | None]) -> str | None:
    days = any(f.startswith("schedule_") for f in fields if f)
    scores = {SERVICES: 2 * len(fields & ACTIVITY_SIGNS) + 2 * days + 3 * ({"name", "venue"} <= fields),
              LOCATIONS: len(fields & PLACE_SIGNS), ORGANISATIONS: 2 * len(fields & ORGANISATION_SIGNS)}
    if "name" not in fields:
        scores[LOCATIONS] += 2 * ("venue" in fields)
        scores[ORGANISATIONS] += 3 * ("organisation" in fields and "venue" not in fields)
    for role, pattern in NAME_HINTS:
        if pattern.search(name.lower()):
            scores[role] += 3
            break
    best = max(scores.values())
    if best == 0:
        return SERVICES if "name" in fields else None
    return next(role for role in (SERVICES, LOCATIONS, ORGANISATIONS) if scores[role] == best)


def is_linked(tables: Iterable[tuple[str, Iterable[Any]]]) -> bool:
    """Whether ``(name, header cells)`` pairs hold a services table and at least one table it links to."""
    roles = {table_role(name, cells) for name, cells in tables} - {None}
    return SERVICES in roles and len(roles) >= 2
