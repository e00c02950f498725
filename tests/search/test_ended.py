"""Ended events leave search results: a past one-off date or a finished date range, by the injected clock (issue 15)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from assetmap.schedule import parse_schedule
from assetmap.search import SearchParams, build_index, search_activities

from ..factories import make_activity

INGESTED = dt.date(2025, 11, 1)


def _event(name: str, when: str):
    parsed = parse_schedule(when, INGESTED)
    return make_activity(name=name, description="Carols, mince pies and a warm welcome.", schedule_text=when,
                         schedule=parsed.tokens, extra={"schedule": parsed.detail})


@pytest.fixture
def carols(any_session, search_settings):
    """Four carol events; the settings' clock says 15 June 2026."""
    events = {
        "christmas": _event("Christmas carol concert", "Saturday 13 December 2025 6-8pm"),
        "summer": _event("Summer carol concert", "Saturday 20 June 2026 6-8pm"),
        "course": _event("Carol singing course", "6 Jan 2026 - 24 Mar 2026 every Tuesday 7pm"),
        "weekly": _event("Carol practice", "Tuesdays 7pm"),
    }
    any_session.add_all(events.values())
    any_session.flush()
    build_index(search_settings, any_session)
    return events


def found(session, settings, **params) -> set[str]:
    results = search_activities(session, settings, SearchParams(text="carols", per_page=50, **params))
    return {hit.activity.name for hit in results.hits}


def test_past_one_off_events_and_ended_ranges_are_not_found(any_session, search_settings, carols):
    assert found(any_session, search_settings) == {"Summer carol concert", "Carol practice"}


def test_an_ended_event_is_not_counted_in_the_day_facet_either(any_session, search_settings, carols):
    results = search_activities(any_session, search_settings, SearchParams(text="carols", per_page=50, days=("sat",)))
    assert [hit.activity.name for hit in results.hits] == ["Summer carol concert"]
    assert results.total == 1 and results.facets["days"]["sat"] == 1


def test_a_search_of_every_status_still_finds_ended_events(any_session, search_settings, carols):
    assert found(any_session, search_settings, status="all") == {a.name for a in carols.values()}


def test_what_has_ended_follows_the_injected_clock(any_session, search_settings, carols):
    december = dataclasses.replace(search_settings, clock=lambda: dt.datetime(2025, 12, 13, 23, 30, tzinfo=dt.UTC))
    assert found(any_session, december) == {a.name for a in carols.values()}   # 13 December is not over until midnight
    january = dataclasses.replace(search_settings, clock=lambda: dt.datetime(2025, 12, 14, 0, 30, tzinfo=dt.UTC))
    assert "Christmas carol concert" not in found(any_session, january)
