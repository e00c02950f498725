"""The values handed from one ingest hop to the next: RawRow → draft or Rejection → located draft.

They are plain dataclasses so every hop between reading and loading stays a pure function that
tests can feed by hand. A ``Problem`` is a fault found in a row that was still accepted (it becomes
a flag on the record and a line in the report); a ``Rejection`` is a row that could not be accepted
at all, kept whole so nothing is lost.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

ACTIVITY = "activity"
ORGANISATION = "organisation"


@dataclasses.dataclass
class RawRow:
    """One record as read: where it came from and what it said, before any judgement.

    ``line`` is the line in the file where the record starts (the header is line 1); a CSV cell
    with a line break in it makes later records start further down than their record number.
    ``profile`` names the shape of the record ("table", "charity", "geojson", "oruk-3.0",
    "oruk-1.x", "openactive") so the cleaner knows how to read it.
    """

    file: str
    line: int
    record: dict[str, Any]
    kind: str = ACTIVITY
    profile: str = "table"
    unread: tuple[str, ...] = ()   # columns whose cells are formulas with no saved value (XLSX)


@dataclasses.dataclass(frozen=True)
class Problem:
    """A fault in an accepted row: which field, the machine-readable reason, the value, and what was expected."""

    field: str
    reason: str
    value: str = ""
    expected: str = ""

    def describe(self, line: int) -> str:
        """``row 14, field "postcode": "M32 0Q" is not a valid UK postcode``."""
        value = f'"{self.value}" ' if self.value else ""
        where = f'row {line}, field "{self.field}"' if self.field else f"row {line}"
        return f"{where}: {value}{self.expected}".rstrip()


@dataclasses.dataclass
class Rejection:
    """A row that could not be accepted; stored as a RejectedRow with the whole record."""

    file: str
    line: int
    field: str
    reason: str
    message: str = ""
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)
    source_id: str | None = None

    @property
    def problem(self) -> Problem:
        return Problem(self.field, self.reason, "", self.message)


@dataclasses.dataclass
class OrganisationDraft:
    """An organisation as a source described it, ready to be upserted."""

    file: str
    line: int
    name: str
    id: str = ""
    source: str = ""
    source_id: str | None = None
    description: str = ""
    charity_number: str | None = None
    company_number: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    content_hash: str = ""

    kind = ORGANISATION

    @property
    def flags(self) -> list[str]:
        return list(dict.fromkeys(p.reason for p in self.problems))


@dataclasses.dataclass
class ActivityDraft:
    """An activity as a source described it, cleaned; ``locate`` fills in the point and areas.

    ``organisation`` is an organisation the feed nested in the record (ORUK); spreadsheets name
    theirs in ``organisation_names`` instead, resolved later by name.
    """

    file: str
    line: int
    name: str
    id: str = ""
    source: str = ""
    source_id: str | None = None
    description: str = ""
    categories: list[str] = dataclasses.field(default_factory=list)
    audience: list[str] = dataclasses.field(default_factory=list)
    delivery: list[str] = dataclasses.field(default_factory=list)
    schedule_text: str = ""
    schedule: list[str] = dataclasses.field(default_factory=list)
    cost_text: str = ""
    is_free: bool | None = None
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    accessibility: list[str] = dataclasses.field(default_factory=list)
    status: str = "active"
    capacity: str | None = None
    venue: str | None = None
    address: str | None = None
    postcode: str | None = None
    given_lat: float | None = None
    given_lon: float | None = None
    lat: float | None = None
    lon: float | None = None
    precision: str = "none"
    ward_code: str | None = None
    lad_code: str | None = None
    stp_code: str | None = None
    icb_code: str | None = None
    service_area: list[str] = dataclasses.field(default_factory=list)
    charity_number: str | None = None
    organisation: OrganisationDraft | None = None
    organisation_names: list[str] = dataclasses.field(default_factory=list)
    organisation_id: str | None = None
    last_verified: dt.datetime | None = None
    verified_by: str | None = None
    verified_how: str | None = None
    deleted: bool = False
    raw: dict[str, Any] = dataclasses.field(default_factory=dict)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    content_hash: str = ""

    kind = ACTIVITY

    @property
    def flags(self) -> list[str]:
        return list(dict.fromkeys(p.reason for p in self.problems))


@dataclasses.dataclass
class Unchanged:
    """A row whose source record is exactly as last time: it is not cleaned again, only stamped."""

    file: str
    line: int
    id: str
    flags: list[str]


@dataclasses.dataclass
class Repeat:
    """A row repeating an earlier row of the same run exactly."""

    file: str
    line: int
    first_line: int
    id: str | None = None


@dataclasses.dataclass
class Folded:
    """A row of a linked table that feeds other records rather than becoming one.

    ``outcome`` is ``location`` (a venue that services name) or ``linked`` (a detail row, such as an
    Open Referral phone or schedule, folded into its service); ``reasons`` say e.g. ``unused``.
    """

    file: str
    line: int
    outcome: str
    reasons: list[str] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    id: str | None = None


Draft = ActivityDraft | OrganisationDraft
Cleaned = ActivityDraft | OrganisationDraft | Rejection
