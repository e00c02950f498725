"""Problem reports and automatic signals: how they lower freshness, the per-address limit, the audit
trail, the review queue's order, and source health with failed imports."""

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from assetmap import changes, db, reports, review, sources
from assetmap.freshness import Freshness
from assetmap.models import AuditEntry, IngestRun, ProblemReport, RejectedRow
from assetmap.schedule import parse_schedule
from assetmap.search import build_index

from .conftest import FIXED_NOW
from .factories import make_activity

DAY = FIXED_NOW.date()
FAIR = parse_schedule("1 May 2026, 10am-4pm", dt.date(2026, 1, 1))


@pytest.mark.parametrize("state, kinds, expected", [
    (Freshness("fresh", 3), [], "fresh"),
    (Freshness("fresh", 3), ["time"], "ageing"),
    (Freshness("fresh", 3), ["contact", "stopped"], "stale"),
    (Freshness("stale", 400), ["other"], "stale"),
    (Freshness("unknown", None), ["other"], "ageing"),
])
def test_an_open_report_lowers_freshness(state, kinds, expected):
    assert reports.lowered(state, kinds).state == expected


def test_the_leading_report_is_the_most_serious():
    assert reports.leading_kind(["other", "stopped", "time"]) == "stopped" and reports.leading_kind([]) == ""


def test_the_limit_counts_per_address_per_day_and_forgets_at_midnight():
    limiter = reports.ReportLimiter("secret")
    assert [limiter.allow("192.0.2.1", DAY, 2) for _ in range(3)] == [True, True, False]
    assert limiter.allow("192.0.2.2", DAY, 2)                     # another address has its own count
    assert limiter.allow("192.0.2.1", DAY + dt.timedelta(days=1), 2)   # a new day starts again


def test_the_limit_never_holds_the_address_and_its_key_changes_daily():
    limiter = reports.ReportLimiter("secret")
    limiter.allow("192.0.2.1", DAY, 5)
    assert all("192.0.2.1" not in key for key in limiter._counts)
    assert limiter.key("192.0.2.1", DAY) != limiter.key("192.0.2.1", DAY + dt.timedelta(days=1))
    assert limiter.key("192.0.2.1", DAY) != reports.ReportLimiter("other secret").key("192.0.2.1", DAY)


@pytest.fixture
def world(settings, tmp_path):
    local = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'reports.db'}", index_dir=str(tmp_path / "index"))
    engine = db.make_engine(local.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    records = {"fresh": make_activity(name="Fresh walk", source="feed"),
               "stale": make_activity(name="Stale walk", source="feed", last_verified=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)),
               "event": make_activity(name="Summer fair", source="feed", schedule=FAIR.tokens, extra={"schedule": FAIR.detail})}
    with sessions.begin() as session:
        session.add_all(records.values())
    with sessions() as session:
        build_index(local, session)
    yield local, sessions, {k: v.id for k, v in records.items()}
    engine.dispose()


def test_a_report_and_dealing_with_it_are_audited_and_a_stopped_record_leads_the_queue(world):
    settings, sessions, ids = world
    with changes.writing(settings, sessions, "public") as tx:
        report_id = tx.report_problem(ids["fresh"], "stopped", "The hall is shut").id
    with sessions() as session:
        items, _ = review.load_queue(session, settings)
        assert [i.candidate.id for i in items][:2] == [ids["fresh"], ids["stale"]]
        assert items[0].freshness.state == "stale" and [s.report_id for s in reports.report_signals(session)] == [report_id]
    with changes.writing(settings, sessions, "editor:ed@example.org") as tx:
        tx.deal_with_report(report_id)
    with sessions() as session:
        actions = session.execute(sa.select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.record_id == ids["fresh"])
                                  .order_by(AuditEntry.id)).all()
        assert [tuple(a) for a in actions] == [("report", "public"), ("report_dealt", "editor:ed@example.org")]
        assert session.get(ProblemReport, report_id).status == "dealt"
        assert ids["fresh"] not in [i.candidate.id for i in review.load_queue(session, settings)[0]]


def test_reporting_an_unknown_record_is_refused(world):
    settings, sessions, _ = world
    with pytest.raises(changes.ChangeError, match="no activity"), changes.writing(settings, sessions, "public") as tx:
        tx.report_problem("no-such-id", "other")


def test_a_record_closed_by_a_reimport_and_an_ended_event_are_signals(world):
    settings, sessions, ids = world
    with changes.writing(settings, sessions, changes.source_actor("feed")) as tx:
        tx.close_activities([ids["stale"]])
    with sessions() as session:
        closed = reports.closed_signals(session, FIXED_NOW)
        ended = reports.ended_signals(session, FIXED_NOW)
    assert [(s.activity_id, s.what) for s in closed] == [(ids["stale"], "No longer listed in feed's list since 15 Jun 2026")]
    assert [s.activity_id for s in ended] == [ids["event"]] and "has ended" in ended[0].what


def test_a_source_failing_several_imports_in_a_row_is_failing_until_one_succeeds(world):
    settings, sessions, ids = world
    for _ in range(sources.FAILING_AFTER):
        with pytest.raises(ValueError), sources.recording_failures(settings, sessions, "feed", "https://example.org/feed"):
            raise ValueError("the feed sent HTML")
    with sessions() as session:
        health = {h.source: h for h in sources.source_health(session, settings)}
    assert health["feed"].is_failing and "the feed sent HTML" in health["feed"].failures[0].message
    assert health["feed"].freshness["stale"] == 1 and health["feed"].share("fresh") == 67
    later = dataclasses.replace(settings, clock=lambda: FIXED_NOW + dt.timedelta(hours=1))
    with sessions.begin() as session:
        run = IngestRun(source="feed", path="feed.csv", format="csv", started_at=later.clock(), finished_at=later.clock(), counts={"read": 3})
        session.add(run)
        session.flush()
        session.add(RejectedRow(ingest_run_id=run.id, file="feed.csv", line=4, field="postcode", reason="bad_postcode", message="not a postcode"))
    with sessions() as session:
        health = {h.source: h for h in sources.source_health(session, later)}
    assert not health["feed"].is_failing and health["feed"].rejected_count == 1 and health["feed"].reasons == {"bad_postcode": 1}


def test_signals_and_source_health_read_the_same_on_both_backends(any_session, settings):
    walk, gone, fair = (make_activity(name="Walk", source="both"), make_activity(name="Gone", source="both"),
                        make_activity(name="Fair", source="both", schedule=FAIR.tokens, extra={"schedule": FAIR.detail}))
    any_session.add_all([walk, gone, fair])
    any_session.flush()
    tx = changes.Transaction(any_session, FIXED_NOW, changes.source_actor("both"))
    tx.close_activities([gone.id])
    tx.actor = "public"
    tx.report_problem(walk.id, "time", "now Wednesdays")
    assert [(s.activity_id, s.what) for s in reports.report_signals(any_session)] == [(walk.id, "The day or time is wrong")]
    assert [s.activity_id for s in reports.closed_signals(any_session, FIXED_NOW)] == [gone.id]
    assert [s.activity_id for s in reports.ended_signals(any_session, FIXED_NOW)] == [fair.id]
    assert reports.open_kinds(any_session) == {walk.id: ["time"]}
    health = {h.source: h for h in sources.source_health(any_session, settings)}
    assert health["both"].freshness["ageing"] == 1 and health["both"].total == 2
