"""Likely duplicates across sources: the scoring rule on a table of true and false pairs, blocking,
groups, and the six-pair case through ingest in both orders (with an unlink a re-import respects)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from assetmap import changes
from assetmap.changes import duplicate_groups
from assetmap.ingest.dedupe import LINK_AT, OtherRecord, likely_duplicates, name_similarity, score_pair
from assetmap.models import Activity, AuditEntry, DuplicateGroup, DuplicateLink

DATA = Path(__file__).resolve().parent.parent / "data"
SHEET, FEED = DATA / "duplicates_sheet.csv", DATA / "duplicates_oruk.json"

SALE = (53.425168, -2.325509)             # M33 7XW
SALE_75M = (53.425168, -2.32438)          # 75 m east of it
ALTRINCHAM = (53.389008, -2.347215)       # WA14 1EP, 4 km away


def record(name, postcode=None, place=None, venue=None, days=(), charity=None, source="feed", ident=None):
    lat, lon = place or (None, None)
    return OtherRecord(ident or f"{source}:{name}", source, name, postcode, lat, lon, venue, tuple(days), charity)


@pytest.mark.parametrize("first, second", [
    ("Sale Walking Group", "Walking Group – Sale"),
    ("Sale Walking Group", "Sale walking group (Worthington Park)"),
    ("Carers' coffee morning", "Coffee Morning for Carers"),
    ("Knit & Natter", "Knit and Natter Group"),
    ("Chair-based exercise", "Chair Based Exercise Class"),
])
def test_names_worded_differently_are_the_same_name(first, second):
    assert name_similarity(first, second) >= 95


@pytest.mark.parametrize("first, second", [
    ("Knit and Natter", "Chair Yoga"),
    ("Book club", "Boxing club"),       # only the generic word is shared
    ("Walking football", "Walking group"),   # "walking" is shared, but football is not a kind of group
    ("Coffee morning", "Coffee and chat"),
])
def test_different_names_are_not_close(first, second):
    assert name_similarity(first, second) < 75


SHEET_WALK = record("Sale Walking Group", "M33 7XW", SALE, "Sale Library", ["tue"], source="sheet")

# (description, sheet record, feed record, linked?)
PAIRS = [
    ("reworded name, same postcode, same day", SHEET_WALK, record("Walking Group – Sale", "M33 7XW", SALE, days=["tue"]), True),
    ("venue in brackets, 75 m away", SHEET_WALK, record("Sale walking group (Worthington Park)", "M33 7AD", SALE_75M), True),
    ("same name and postcode, nothing else known", SHEET_WALK, record("SALE WALKING GROUP", "M33 7XW"), True),
    ("same venue in the district, no points", record("Memory Café", "M33 3AY", venue="St Mary's Church Hall", source="sheet"),
     record("Memory Cafe at St Marys", "M33 3BQ", venue="St Marys Church Hall"), True),
    ("same charity, no place at all (a phone line)", record("Befriending calls", charity="1290001", source="sheet"),
     record("Befriending Calls", charity="1290001"), True),
    ("two groups at one community centre", record("Knit and Natter", "M33 2JB", days=["mon"], charity="1290003", source="sheet"),
     record("Chair Yoga", "M33 2JB", days=["mon"], charity="1290003"), False),
    ("same name in another town", SHEET_WALK, record("Walking Group – Altrincham", "WA14 1EP", ALTRINCHAM, days=["tue"]), False),
    ("same name and place, other days and another charity", record("Youth Club", "M32 8UL", days=["tue"], charity="1290004", source="sheet"),
     record("Youth Club", "M32 8UL", days=["thu"], charity="1290005"), False),
    ("same name and place, same charity, other days (two sessions)",
     record("Chair Yoga", "M33 2JB", days=["mon"], charity="1290003", source="sheet"),
     record("Chair Yoga", "M33 2JB", days=["thu"], charity="1290003"), False),
    ("same name, no place, no charity", record("Coffee morning", source="sheet"), record("Coffee Morning"), False),
    ("a pharmacy inside a medical centre", record("Davyhulme Medical Centre", "M41 7WJ", source="sheet"),
     record("Allied Pharmacy Davyhulme Medical Centre", "M41 7WJ"), False),
    ("a town added to the name that its own address names", record("Men's Shed", "M41 0NA", source="sheet"),
     OtherRecord("feed:shed", "feed", "Mens Shed Urmston", "M41 0NA", address="Moorside Road, Urmston"), True),
    ("a name only a little alike, same postcode", record("Sale Striders", "M33 7XW", source="sheet"),
     record("Sale Stridders walk", "M33 7XW"), False),
]


@pytest.mark.parametrize("ours, theirs, linked", [p[1:] for p in PAIRS], ids=[p[0] for p in PAIRS])
def test_pairs_are_linked_only_on_enough_evidence(ours, theirs, linked):
    points, reasons = score_pair(ours, theirs)
    assert (points >= LINK_AT) is linked, (points, reasons)
    assert bool(likely_duplicates([ours], [theirs])) is linked


def test_the_reason_names_the_evidence_and_the_score():
    [(_, _, reason)] = likely_duplicates([SHEET_WALK], [record("Walking Group – Sale", "M33 7XW", SALE, days=["tue"])])
    assert reason == "same_name, same_postcode, same_day (7)"


def test_a_record_links_to_its_best_match_of_each_other_source_only():
    monday = record("Chair Yoga", "M33 2JB", days=["mon"], source="feed", ident="mon")
    thursday = record("Chair Yoga", "M33 2JB", days=["thu"], source="feed", ident="thu")
    sheet = record("Chair Yoga", "M33 2JB", days=["mon"], source="sheet", ident="sheet")
    assert likely_duplicates([sheet], [thursday, monday]) == [("sheet", "mon", "same_name, same_postcode, same_day (7)")]


def test_records_far_apart_in_one_block_are_never_compared_beyond_it():
    """Blocking: a record is compared only with records near it or sharing its postcode, venue or (placeless) name."""
    near = record("Sale Walking Group", "M33 7AD", SALE_75M, ident="near")
    far = record("Sale Walking Group", "WA14 1EP", ALTRINCHAM, ident="far")
    assert [other for _, other, _ in likely_duplicates([SHEET_WALK], [far, near])] == ["near"]


def test_groups_are_connected_links_named_by_their_smallest_id():
    assert duplicate_groups([("b", "c"), ("d", "c"), ("x", "y")]) == {"b": "b", "c": "b", "d": "b", "x": "x", "y": "x"}


# -- through ingest ---------------------------------------------------------------------------------
SIX_PAIRS = {
    ("Sale Walking Group", "Walking Group – Sale"), ("Knit & Natter", "Knit and Natter Group"),
    ("Memory Café", "Memory Cafe at St Marys"), ("Men's Shed", "Mens Shed Urmston"),
    ("Chair-based exercise", "Chair Based Exercise Class"), ("Carers' coffee morning", "Coffee Morning for Carers"),
}


def linked_names(session, status="linked") -> set[tuple[str, str]]:
    names = dict(session.execute(sa.select(Activity.id, Activity.name)).all())
    sources = dict(session.execute(sa.select(Activity.id, Activity.source)).all())
    pairs = session.execute(sa.select(DuplicateLink.activity_id, DuplicateLink.other_id).where(DuplicateLink.status == status)).all()
    return {tuple(names[i] for i in sorted((a, b), key=lambda i: sources[i] != "duplicates_sheet")) for a, b in pairs}


@pytest.mark.parametrize("order", [(SHEET, FEED), (FEED, SHEET)], ids=["sheet first", "feed first"])
def test_a_sheet_and_a_feed_describing_six_activities_get_exactly_six_links(ingest, session, order):
    ingest(order[0])
    report = ingest(order[1])
    assert linked_names(session) == SIX_PAIRS
    assert len(report.duplicates) == 6
    assert session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 17   # never merged: every record stays


def test_links_are_found_when_the_first_source_is_read_again(ingest, session):
    ingest(SHEET)
    ingest(FEED)
    session.execute(sa.delete(DuplicateGroup))
    session.execute(sa.delete(DuplicateLink))   # as if the feed had been read before this matcher existed
    report = ingest(SHEET)
    assert report.counts["unchanged"] == 9 and len(report.duplicates) == 6
    assert linked_names(session) == SIX_PAIRS


def test_links_are_audited_and_group_their_records(ingest, session):
    ingest(SHEET)
    ingest(FEED)
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.record_type == "duplicate_link", AuditEntry.action == "link")) == 6
    groups = session.execute(sa.select(DuplicateGroup.group_id, sa.func.count()).group_by(DuplicateGroup.group_id)).all()
    assert sorted(count for _, count in groups) == [2] * 6


def test_an_unlinked_pair_stays_unlinked_after_a_reimport(ingest, session, settings):
    ingest(SHEET)
    ingest(FEED)
    walk, other = session.execute(sa.select(DuplicateLink.activity_id, DuplicateLink.other_id).join(
        Activity, Activity.id == DuplicateLink.activity_id).where(Activity.name.in_(["Sale Walking Group", "Walking Group – Sale"]))).one()
    tx = changes.Transaction(session, settings.clock(), changes.editor_actor("editor@example.org"))
    tx.reject_duplicate(other, walk)
    assert tx.changed_ids == {walk, other}
    assert session.scalar(sa.select(sa.func.count()).select_from(DuplicateGroup).where(DuplicateGroup.activity_id.in_([walk, other]))) == 0
    ingest(FEED, source="duplicates_oruk")
    ingest(SHEET)
    assert linked_names(session, "rejected") == {("Sale Walking Group", "Walking Group – Sale")}
    assert linked_names(session) == SIX_PAIRS - {("Sale Walking Group", "Walking Group – Sale")}
    unlink = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "unlink")).one()
    assert (unlink.actor, unlink.fields) == ("editor:editor@example.org", {"status": ["linked", "rejected"]})


def test_unlinking_records_that_are_not_linked_says_so(session, settings):
    tx = changes.Transaction(session, settings.clock(), changes.editor_actor("editor@example.org"))
    with pytest.raises(changes.ChangeError, match="not linked"):
        tx.reject_duplicate("a", "b")
