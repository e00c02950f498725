"""What the feed publishes and how it filters and pages, the same on SpatiaLite and PostGIS."""

from __future__ import annotations

import datetime as dt

import pytest

from assetmap.models import Area, DuplicateGroup, DuplicateLink, Verification
from assetmap.openreferral import query
from assetmap.openreferral.build import TAXONOMY_ID
from assetmap.openreferral.ids import term_id

from ..factories import make_activity, make_organisation

TODAY = dt.date(2026, 6, 15)
SALE = (53.4251, -2.3255)


@pytest.fixture
def records(any_session):
    org = make_organisation(name="Sale Striders")
    old, new = dt.datetime(2025, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    made = {
        "walk": make_activity(name="Sale health walk", organisation_id=org.id, last_verified=old, last_modified=old, first_seen=old),
        "sing": make_activity(name="Singing for lung health", categories=["singing", "lung-health"], lat=53.4466, lon=-2.3090,
                              last_verified=new, last_modified=old, first_seen=old),
        "phone": make_activity(name="Befriending line", categories=["befriending"], lat=None, lon=None, postcode=None, ward_code=None,
                               delivery=["telephone"], service_area=["E08000009"], first_seen=old, last_verified=old),
        "far": make_activity(name="London walk", lat=51.5010, lon=-0.1416, postcode="SW1A 1AA", ward_code="E05013806", lad_code="E09000033",
                             stp_code="E54000030", icb_code="E54000027", first_seen=old, last_verified=old),
        "paused": make_activity(name="Paused lunch club", status="paused", first_seen=old, last_verified=old),
        "closed": make_activity(name="Closed café", status="closed", first_seen=old),
        "ended": make_activity(name="Summer fair", schedule=["sat any", "until 2026-06-01"], first_seen=old),
        "upcoming": make_activity(name="Winter fair", schedule=["sat any", "until 2026-12-05"], first_seen=old),
        "dup_new": make_activity(name="Park run", last_verified=new, first_seen=old),
        "dup_old": make_activity(name="Park run Sale", last_verified=old, first_seen=old),
    }
    any_session.add(org)
    any_session.add_all(made.values())
    any_session.flush()
    group = min(made["dup_new"].id, made["dup_old"].id)
    any_session.add_all([DuplicateLink(activity_id=made["dup_new"].id, other_id=made["dup_old"].id, reason="test"),
                         DuplicateGroup(activity_id=made["dup_new"].id, group_id=group),
                         DuplicateGroup(activity_id=made["dup_old"].id, group_id=group),
                         Verification(activity_id=made["walk"].id, verified_at=dt.datetime(2026, 6, 10, tzinfo=dt.UTC), method="phoned"),
                         Area(kind="ward", code="E05000829", name="Gorse Hill", vintage="2021-12", is_current=True)])
    any_session.flush()
    return {k: v.id for k, v in made.items()} | {"org": org.id}


def _ids(session, filters=None, per_page=100) -> list[str]:
    return [a.id for a in query.page(session, filters or query.Filters(), query.hidden_ids(session, TODAY), 1, per_page)]


def test_published_is_what_the_public_pages_list(any_session, records):
    hidden = query.hidden_ids(any_session, TODAY)
    assert hidden == {records["ended"], records["dup_old"]}
    found = set(_ids(any_session))
    assert found == {records[k] for k in ("walk", "sing", "phone", "far", "paused", "upcoming", "dup_new")}
    assert query.count(any_session, query.Filters(), hidden) == len(found)
    assert query.find(any_session, records["closed"], hidden) is None and query.find(any_session, records["dup_old"], hidden) is None


def test_pages_are_in_id_order_and_do_not_overlap(any_session, records):
    hidden = query.hidden_ids(any_session, TODAY)
    pages = [[a.id for a in query.page(any_session, query.Filters(), hidden, n, 3)] for n in (1, 2, 3)]
    flat = [i for p in pages for i in p]
    assert flat == sorted(flat) and len(flat) == len(set(flat)) == 7
    batches = [[a.id for a in batch] for batch in query.every(any_session, query.Filters(), hidden)]
    assert [i for b in batches for i in b] == flat


@pytest.mark.parametrize(("filters", "expected"), [
    (query.Filters(search="london"), {"far"}),
    (query.Filters(search="health"), {"walk", "sing"}),
    (query.Filters(search="SALE health"), {"walk"}),
    (query.Filters(search="100%_"), set()),
    (query.Filters(taxonomy_term_id=term_id("lung-health")), {"sing"}),
    (query.Filters(taxonomy_term_id="not-a-term"), set()),
    (query.Filters(taxonomy_id="not-ours"), set()),
    (query.Filters(modified_after=dt.datetime(2026, 5, 20, tzinfo=dt.UTC)), {"sing", "dup_new"}),
    (query.Filters(near=query.Near(*SALE, ("E05000829", "E08000009", "E54000057"))), {"walk", "sing", "phone", "paused", "upcoming", "dup_new"}),
    (query.Filters(near=query.Near(*SALE, ("E05000829",), metres=500)), {"walk", "paused", "upcoming", "dup_new"}),
    (query.Filters(near=query.Near(*SALE, ("E05000829",), metres=3000)), {"walk", "sing", "paused", "upcoming", "dup_new"}),
    (query.Filters(placed_only=True), {"walk", "sing", "far", "paused", "upcoming", "dup_new"}),
])
def test_filters(any_session, records, filters, expected):
    names = {v: k for k, v in records.items()}
    assert {names[i] for i in _ids(any_session, filters)} == set(expected)


def test_organisation_and_taxonomy_filters(any_session, records):
    assert _ids(any_session, query.Filters(organization_id=records["org"])) == [records["walk"]]
    assert len(_ids(any_session, query.Filters(taxonomy_id=TAXONOMY_ID))) == 7


def test_proximity_sorts_nearest_first(any_session, records):
    near = query.Near(53.4466, -2.3090, (), metres=5000)
    assert _ids(any_session, query.Filters(near=near))[0] == records["sing"]


def test_context_loads_last_checks_organisations_and_area_names_for_a_page(any_session, records):
    activities = query.page(any_session, query.Filters(), set(), 1, 100)
    context = query.load_context(any_session, activities, "team@example.org")
    assert context.assured[records["walk"]].date() == dt.date(2026, 6, 10)   # the phoned check, newer than last_verified
    assert context.assured[records["sing"]].date() == dt.date(2026, 6, 1)
    assert set(context.organisations) == {records["org"]} and context.area_names["E05000829"] == "Gorse Hill"
