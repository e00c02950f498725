"""The record an activity page shows, and its version: on PostgreSQL the one kept for the search pages, without a query.

An activity page asked the database for the record (with its organisation, whether it is linked to
other listings and whether a report on it is open) and then for its field provenance, and decoded
some fifty columns into objects, every time, though people open the same records again and again.
On PostgreSQL the process's held table (``search.pg_table``) gives every version of every record its
own (epoch, row), as for search results: the record is the one ``search.records`` keeps for that
version (the one the results page showed, usually), whether it is linked is the table's own group
column (a change of links is a new version), and what follows from the record alone is kept per
version by the page (``kept_views``). Open reports change without a new version (a report does not
touch the record), so they are asked for on every view: one small query.

Without a held table (SQLite; a process still reading its table; a transaction that has written)
the page is made as before, from one query, and ``version`` is None (nothing is kept).
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from assetmap.db import is_postgres
from assetmap.models import Activity, DuplicateGroup, ProblemReport
from assetmap.search import groups, pg_backend, pg_table, records


@dataclasses.dataclass(frozen=True)
class PageRecord:
    activity: Activity                 # shared between requests when ``version`` is set: read it, never change it
    version: tuple[int, int] | None    # (epoch, row) in the held table; None: not kept
    grouped: bool                      # linked to other listings of the same activity
    reports: list                      # open reports on it, newest first (``open_reports``)
    organisation: str | None           # who runs it: its organisation's name as it is now (None: no organisation)


def load(session: Session, activity_id: str) -> PageRecord | None:
    """The page's record (None: no such activity)."""
    found = _kept(session, activity_id) if is_postgres(session) else None
    return found if found is not None else _queried(session, activity_id)


def _kept(session: Session, activity_id: str) -> PageRecord | None:
    """The record as kept for its version in the held table (None: not there, so ask the database)."""
    directory = pg_table.directory(session)
    if not directory.seen_ready() and not pg_backend.is_ready(session):   # a database whose search is not set up (yet)
        return None
    held = directory.current(session)   # first: what is read next is at least as new as this version
    if held is None:
        return None
    table, row = held.table, held.row_of.get(activity_id)
    if row is None or row >= len(table) or not table.live[row]:   # a row of a newer table, or a record gone
        return None
    version = (table.epoch, int(row))
    activity = records.load(session, [activity_id], [version], _fetch).get(activity_id)
    if activity is None:
        return None
    grouped = bool(groups.grouped_rows(table)[row])
    rows = session.connection().execute(NOW_SHOWN, {"activity_id": activity_id, "organisation_id": activity.organisation_id}).all()
    return PageRecord(activity, version, grouped, [r for r in rows if r.kind is not None], rows[0].organisation)


# What changes without a new version of the record, asked for on every view in one statement written once as text (the
# ORM's query for whole reports cost a millisecond, twice the database's time): its open reports' kind and date, newest
# first (``reports.open_reports``' order), and its organisation's name (renaming an organisation does not make its
# activities new versions in the held table), one row when there is no report.
NOW_SHOWN = sa.text("""
    SELECT o.name AS organisation, r.kind, r.reported_at FROM (SELECT 1) AS one
    LEFT JOIN organisation o ON o.id = :organisation_id
    LEFT JOIN problem_report r ON r.activity_id = :activity_id AND r.status = 'open'
    ORDER BY r.reported_at DESC, r.id DESC""").columns(organisation=sa.String, kind=sa.String, reported_at=ProblemReport.reported_at.type)
OPEN_REPORTS = sa.text("SELECT kind, reported_at FROM problem_report WHERE status = 'open' AND activity_id = :activity_id "
                       "ORDER BY reported_at DESC, id DESC").columns(kind=sa.String, reported_at=ProblemReport.reported_at.type)


def open_reports(session: Session, activity_id: str) -> list:
    """The open reports on one record, newest first, as rows with their ``kind`` and ``reported_at``."""
    return session.connection().execute(OPEN_REPORTS, {"activity_id": activity_id}).all()


def _fetch(session: Session, ids: list[str]) -> dict[str, Activity]:
    """Records with their organisations (what ``search.records`` keeps for the results pages too)."""
    query = sa.select(Activity).options(joinedload(Activity.organisation)).where(Activity.id.in_(ids))
    return {a.id: a for a in session.scalars(query)}


def _queried(session: Session, activity_id: str) -> PageRecord | None:
    """The record with its organisation, whether it has linked listings and whether a report on it is open: one query.

    Most records have neither, so its open reports are asked for only when there are some.
    """
    reported = sa.exists().where(ProblemReport.activity_id == Activity.id, ProblemReport.status == "open")
    query = (sa.select(Activity, DuplicateGroup.group_id.is_not(None), reported)
             .outerjoin(DuplicateGroup, DuplicateGroup.activity_id == Activity.id)
             .options(joinedload(Activity.organisation)).where(Activity.id == activity_id))
    row = session.execute(query).first()
    if row is None:
        return None
    organisation = row[0].organisation.name if row[0].organisation is not None else None
    return PageRecord(row[0], None, bool(row[1]), open_reports(session, activity_id) if row[2] else [], organisation)
