"""The records a result page shows, loaded once per version and kept in the process.

Loading a page's 20 records with their organisations was the biggest single part of a search's
time on PostgreSQL (a query, then decoding some fifty columns into objects for each), though the
same few pages are asked for again and again. The process's held table (``pg_table``) gives every
version of every record its own (epoch, row): a record changed since has a new row, and a table
read again a new epoch. So a record loaded under its version can be used again for as long as that
version is the one the table holds, by any request. Such records are detached from every session
and shared between threads: read them, never change them (a change goes through ``changes``,
which loads its own).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

from assetmap.models import Activity

KEPT = 4096   # records kept per process (most pages show the same few hundred)

_kept: OrderedDict[tuple[str, tuple[int, int]], Activity] = OrderedDict()
_lock = threading.Lock()


def load(session: Session, ids: Sequence[str], versions: Sequence[tuple[int, int]] | None,
         fetch: Callable[[Session, list[str]], dict[str, Activity]]) -> dict[str, Activity]:
    """Activities by id: kept ones by their version, the rest fetched by ``fetch`` (and kept; None: versions unknown)."""
    if versions is None:
        return fetch(session, list(ids))
    found, missing = {}, {}
    with _lock:
        for activity_id, version in zip(ids, versions):
            activity = _kept.get((activity_id, version))
            if activity is None:
                missing[activity_id] = version
            else:
                _kept.move_to_end((activity_id, version))
                found[activity_id] = activity
    if missing:
        fetched = fetch(session, list(missing))
        for activity in fetched.values():
            _detach(session, activity)
        found.update(fetched)
        _keep({(i, v): fetched[i] for i, v in missing.items() if i in fetched})
    return found


def _detach(session: Session, activity: Activity) -> None:
    """Out of the session (its commit would expire it under another thread), with its organisation."""
    session.expunge(activity)
    if activity.organisation is not None and activity.organisation in session:
        session.expunge(activity.organisation)


def _keep(new: dict) -> None:
    with _lock:
        _kept.update(new)
        while len(_kept) > KEPT:
            _kept.popitem(last=False)


def forget() -> None:
    """Drop every kept record (tests that change records behind the database's back)."""
    with _lock:
        _kept.clear()
