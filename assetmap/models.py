"""The database tables: areas, organisations, activities and the record of every ingest.

Ids are UUID strings so a record keeps its id across re-ingest, export and a round trip through
another directory. Area codes are stored on each activity (worked out once at ingest) so that web
queries are plain indexed filters that behave the same on SpatiaLite and PostGIS.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, dt.datetime: DateTime(timezone=True)}


class Area(Base):
    """An ONS geography of one boundary release (mapit's Area + Generation, simplified).

    ``vintage`` is the release ("2021-12"); several may coexist and ``is_current`` marks the one
    used for new points. ``parent_codes`` maps kind to code ("lad", "stp", "icb") from a lookup
    table, because LADs do not nest in STPs and a ward's STP must never be derived from its LAD.
    Areas loaded from a lookup only (no polygons) have no geometry.
    """

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("kind", "code", "vintage"), Index("ix_area_kind_current", "kind", "is_current"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    code: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    vintage: Mapped[str] = mapped_column(String(20))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    parent_codes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    population: Mapped[int | None] = mapped_column(Integer, nullable=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=True)


class Organisation(Base):
    """The VCSE group (or public body) that runs activities."""

    __tablename__ = "organisation"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    charity_number: Mapped[str | None] = mapped_column(String(20), index=True, nullable=True)
    company_number: Mapped[str | None] = mapped_column(String(20), nullable=True)
    website: Mapped[str | None] = mapped_column(String(500), nullable=True)
    email: Mapped[str | None] = mapped_column(String(300), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(100), nullable=True)
    source: Mapped[str] = mapped_column(String(200), default="")
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    first_seen: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_ingested: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    activities: Mapped[list[Activity]] = relationship(back_populates="organisation")


class Activity(Base):
    """Something people attend or use: a walking group, a befriending line, a lunch club.

    ``last_modified`` is when the record's content last changed; ``last_verified`` is when a person
    or the organisation last confirmed it is still right. They differ on purpose: staleness is
    measured from ``last_verified``. Each confirmation is also kept as a ``Verification`` row.
    """

    __tablename__ = "activity"
    __table_args__ = (Index("ix_activity_source", "source", "source_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    name: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[list[str]] = mapped_column(default=list)
    audience: Mapped[list[str]] = mapped_column(default=list)
    delivery: Mapped[list[str]] = mapped_column(default=list)
    schedule_text: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[list[str]] = mapped_column(default=list)
    cost_text: Mapped[str] = mapped_column(Text, default="")
    is_free: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(300), nullable=True)
    email: Mapped[str | None] = mapped_column(String(300), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(100), nullable=True)
    website: Mapped[str | None] = mapped_column(String(500), nullable=True)
    accessibility: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    capacity: Mapped[str | None] = mapped_column(String(40), nullable=True)
    venue: Mapped[str | None] = mapped_column(String(300), nullable=True)
    address: Mapped[str | None] = mapped_column(Text, nullable=True)
    postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    precision: Mapped[str] = mapped_column(String(20), default="none")
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    ward_code: Mapped[str | None] = mapped_column(String(20), index=True, nullable=True)
    lad_code: Mapped[str | None] = mapped_column(String(20), index=True, nullable=True)
    stp_code: Mapped[str | None] = mapped_column(String(20), index=True, nullable=True)
    icb_code: Mapped[str | None] = mapped_column(String(20), index=True, nullable=True)
    service_area: Mapped[list[str]] = mapped_column(default=list)
    flags: Mapped[list[str]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(String(200), default="")
    source_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    first_seen: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_ingested: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_modified: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_verified: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    verified_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    verified_how: Mapped[str | None] = mapped_column(String(100), nullable=True)
    times_shown: Mapped[int] = mapped_column(Integer, default=0)
    times_shortlisted: Mapped[int] = mapped_column(Integer, default=0)
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    organisation: Mapped[Organisation | None] = relationship(back_populates="activities")


class Verification(Base):
    """One sign that an activity is still right: who or which source, when and how.

    ``method`` (see ``freshness.METHODS``) says what kind of sign it was: a person's check
    (``phoned``, ``organiser_confirmed``, ``seen_running``) or a source's assertion
    (``source_updated``, ``source_assured``, ``still_listed``); ``source`` names the source for the latter.
    """

    __tablename__ = "verification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), index=True)
    verified_at: Mapped[dt.datetime] = mapped_column()
    verified_by: Mapped[str] = mapped_column(String(200), default="")
    method: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(200), default="", server_default="")
    ingest_run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_run.id"), nullable=True)


class IngestRun(Base):
    """One run of ``assetmap ingest``: what was read, from where, and the report's counts."""

    __tablename__ = "ingest_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(Text)
    format: Mapped[str] = mapped_column(String(40))
    profile: Mapped[str] = mapped_column(String(40), default="")
    started_at: Mapped[dt.datetime] = mapped_column()
    finished_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    full_import: Mapped[bool] = mapped_column(Boolean, default=True)
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class RejectedRow(Base):
    """A row that could not be accepted, kept whole with the reason: nothing is lost."""

    __tablename__ = "rejected_row"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ingest_run_id: Mapped[int] = mapped_column(ForeignKey("ingest_run.id"), index=True)
    file: Mapped[str] = mapped_column(Text)
    line: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[dict[str, Any]] = mapped_column(default=dict)


class DuplicateLink(Base):
    """Two activities of different sources that are probably the same thing: linked, never merged.

    Both records stay; search shows a linked group once. ``reason`` says why they were linked (the
    evidence and its score, see ``ingest.dedupe``). A person who says they are different sets
    ``status`` to ``rejected`` (``changes.unlink_duplicate``): the row stays, so a re-import never
    links the pair again.
    """

    __tablename__ = "duplicate_link"
    __table_args__ = (UniqueConstraint("activity_id", "other_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), index=True)
    other_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), index=True)
    reason: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="linked", server_default="linked")


class DuplicateGroup(Base):
    """Which group of linked duplicates an activity is in (the smallest id of the group), kept with the links.

    Only activities with at least one link have a row. Search reads it to show a group once
    without a query per result; ``changes`` rewrites the rows of the groups a link change touches.
    """

    __tablename__ = "duplicate_group"

    activity_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(36), index=True)


class AuditEntry(Base):
    """One change to one record: who or which source (and ingest run), when, and each field before and after.

    Written only by ``assetmap.changes``, the one write path. A record's creation by an ingest is one
    row with no field values (the record itself and its raw row say what arrived); every later
    change keeps ``fields`` as ``{field: [before, after]}``, so the history of any field can be
    read back from its first ``before``. ``actor`` is ``source:<name>`` or ``editor:<email>``.
    """

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(36))
    changed_at: Mapped[dt.datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(20))
    ingest_run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_run.id"), nullable=True, index=True)
    fields: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)


class FieldEdit(Base):
    """A field whose current value a person set, so a re-import does not quietly undo it.

    ``source_value`` is what the record's source last said for the field (when the person edited
    it, or at a later import): a re-import that still says it leaves the person's value alone; one
    that says something new is a conflict, kept here (``conflict_value``) and listed in the report
    for an editor to settle, unless the person's edit is older than the previous import, when the
    source's newer word wins.
    """

    __tablename__ = "field_edit"

    activity_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    edited_by: Mapped[str] = mapped_column(String(300))
    edited_at: Mapped[dt.datetime] = mapped_column()
    source_value: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    conflict_value: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    conflict_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class SearchLog(Base):
    """A search that found nothing or little: unmet demand by area, with nothing about the person."""

    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    logged_at: Mapped[dt.datetime] = mapped_column()
    query: Mapped[str] = mapped_column(Text, default="")
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    area_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    result_count: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    """An editor or admin account; residents need none. The password is kept only as an argon2 hash."""

    __tablename__ = "app_user"   # "user" is a reserved word in PostgreSQL

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(300), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column()
    last_login_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class ActivityUse(Base):
    """How often an activity's page was shown and it was put on a shortlist, per day (for the review queue's harm).

    Kept apart from ``Activity.times_shown``: writing the activity row on every page view would fire
    the PostgreSQL search trigger each time, and a day's row lets the queue count the last 90 days.
    """

    __tablename__ = "activity_use"

    activity_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    shown: Mapped[int] = mapped_column(Integer, default=0)
    shortlisted: Mapped[int] = mapped_column(Integer, default=0)


class ProblemReport(Base):
    """Someone said a record is wrong: a resident's "Report a problem" or an organiser's "Something has changed".

    An open report lowers the record's freshness (see ``assetmap.reports``) and sits in the review
    queue until an editor marks it dealt with. Nothing about who reported it is kept except, for an
    organiser, ``organiser:<organisation id>``.
    """

    __tablename__ = "problem_report"
    __table_args__ = (Index("ix_problem_report_open", "status", "activity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[str] = mapped_column(ForeignKey("activity.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")
    reported_at: Mapped[dt.datetime] = mapped_column()
    reported_by: Mapped[str] = mapped_column(String(300), default="public")
    status: Mapped[str] = mapped_column(String(20), default="open")
    dealt_by: Mapped[str | None] = mapped_column(String(300), nullable=True)
    dealt_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class UsedToken(Base):
    """A confirm link already used: only its SHA-256 is kept, so a link works once (see ``assetmap.confirm``)."""

    __tablename__ = "used_token"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36))
    used_at: Mapped[dt.datetime] = mapped_column()


class IngestFailure(Base):
    """An import that failed and was rolled back, kept in its own small transaction so source health can show a failing feed."""

    __tablename__ = "ingest_failure"
    __table_args__ = (Index("ix_ingest_failure_source", "source", "failed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(Text, default="")
    failed_at: Mapped[dt.datetime] = mapped_column()
    message: Mapped[str] = mapped_column(Text, default="")


class SmallArea(Base):
    """A Lower layer Super Output Area (LSOA) of one census vintage: its centre and the areas it lies in.

    Statistics come by LSOA, provision by point: the centre (``lat``/``lon``) is where the LSOA's people
    are taken to live for walking distance and access. ``centre_method`` says how it was made
    (``point_on_surface``, ``centroid`` or ``population_weighted``); the shared data have no
    population-weighted centres, so the first is the usual one. Parent codes come from ONS lookups
    or, for the ward, from the ward polygon holding the centre.
    """

    __tablename__ = "small_area"
    __table_args__ = (UniqueConstraint("vintage", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), index=True)
    vintage: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    centre_method: Mapped[str] = mapped_column(String(30), default="")
    ward_code: Mapped[str | None] = mapped_column(String(20), index=True, nullable=True)
    lad_code: Mapped[str | None] = mapped_column(String(20), index=True, nullable=True)
    stp_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    icb_code: Mapped[str | None] = mapped_column(String(20), nullable=True)


class PopulationEstimate(Base):
    """How many people live in an area (an LSOA or a ward) in one year, for one age band.

    Long form so that files with different bands (0-17/18-64 by LSOA, 0-15/16-64 by ward) sit side by
    side; ``band`` is ``all`` or e.g. ``65_plus``. ``source`` is the file's stem, so loading the same
    file again replaces its rows.
    """

    __tablename__ = "population_estimate"
    __table_args__ = (UniqueConstraint("area_kind", "area_code", "year", "band"), Index("ix_population_estimate_source", "source"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_kind: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str] = mapped_column(String(20), index=True)
    year: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200), default="")


class DeprivationScore(Base):
    """One LSOA's English Index of Multiple Deprivation (IMD) in one edition: score, national rank and decile.

    Rank 1 and decile 1 are the most deprived. The 2019 file carries ranks and deciles only, so
    ``score`` may be empty. ``vintage`` is the LSOA census vintage the edition uses (2019: 2011, 2025: 2021).
    """

    __tablename__ = "deprivation_score"
    __table_args__ = (UniqueConstraint("edition", "lsoa_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition: Mapped[int] = mapped_column(Integer)
    vintage: Mapped[str] = mapped_column(String(10))
    lsoa_code: Mapped[str] = mapped_column(String(20), index=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    rank: Mapped[int] = mapped_column(Integer)
    decile: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200), default="")


class IndexChange(Base):
    """One committed write transaction's changed activities, written in that same transaction (SpatiaLite only).

    The search index is on local disk and catches up after the commit, so a process killed in
    between leaves it behind. These rows are how the next process knows what it missed: every
    change with an id above the mark kept in an index's folder is re-indexed (``search.heal``).
    AUTOINCREMENT on SQLite, so an id is never reused after old rows are pruned.
    """

    __tablename__ = "index_change"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column()
    activity_ids: Mapped[list[str]] = mapped_column(default=list)


class LsoaBridge(Base):
    """How an LSOA of 2011 became LSOAs of 2021 (ONS: U unchanged, S split, M merged, X irregular).

    Lets statistics published on one census's LSOAs (mid-2020 population on 2011 LSOAs) be carried
    to the other's (IMD 2025 on 2021 LSOAs).
    """

    __tablename__ = "lsoa_bridge"

    lsoa11_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    lsoa21_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    change: Mapped[str] = mapped_column(String(1), default="U")
