"""The words assetmap's records are made of, and their plain-English labels: one home for each list.

Codes are what the database, the search index, URLs and the API carry; labels are what people read.
Adding a value here is a product decision: search filters, pages and ingest all follow it.
"""

from __future__ import annotations

# ONS geographies an activity is placed in, most local first. A ward's STP and ICB come from the
# ONS lookup, never from its council: councils do not nest inside NHS areas.
AREA_KINDS = ("ward", "lad", "stp", "icb")
AREA_LABELS = {
    "ward": "Ward",
    "lad": "Council area (local authority district)",
    "stp": "Sustainability and transformation partnership (STP) area",
    "icb": "Integrated care board (ICB) area",
}
# Kinds whose names people type as a place ("Sale", "Trafford"); counties and unitary upper tiers
# are kept when a boundary file brings them.
PLACE_KINDS = ("ward", "lad", "utla", "county")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
              "sat": "Saturday", "sun": "Sunday"}
DAY_INDEX = {day: i for i, day in enumerate(DAYS)}           # Monday is 0, as in datetime.weekday()
DAY_NAMES = {label.lower(): day for day, label in DAY_LABELS.items()}   # "monday" -> "mon"
ICAL_DAYS = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat", "SU": "sun"}

# How often a schedule meets; "once" for dated one-off events, "irregular" when no rule could be read.
FREQUENCIES = ("daily", "weekly", "fortnightly", "monthly", "once", "irregular")

TIMES_OF_DAY = ("morning", "afternoon", "evening")
TIME_LABELS = {"morning": "Morning", "afternoon": "Afternoon", "evening": "Evening"}

DELIVERY_MODES = ("in_person", "online", "telephone")
DELIVERY_LABELS = {"in_person": "In person", "online": "Online", "telephone": "By telephone"}

STATUSES = ("active", "paused", "closed")
FRESHNESS_STATES = ("fresh", "ageing", "stale", "unknown")   # from last_verified; see assetmap.freshness
CAPACITY_LABELS = {"accepting": "Taking new people", "waiting_list": "Waiting list", "referral_needed": "Needs a referral"}
PRECISIONS = ("coordinates", "postcode", "venue", "district", "none")   # most exact first
PRECISION_LABELS = {
    "coordinates": "from the map position the source gave",
    "postcode": "at the postcode's centre",
    "venue": "where other records put the venue it names (check before you go)",
    "district": "approximate: the middle of the postcode district",
}


def choices(labels: dict[str, str]) -> list[tuple[str, str]]:
    """``[(code, label), …]`` in the vocabulary's order, for a form's options."""
    return list(labels.items())
