"""PostgreSQL search made cheaper at scale gives the same answers as the first, slower version.

The set-based ``build``, the deferred trigger with ``refresh``, the PL/pgSQL document function and
the one-query ``known_words`` are checked against the definitions they replaced (kept here as the
reference), on real PostGIS, with awkward records: accents, apostrophes, unknown and repeated
category slugs, empty fields, no organisation.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap.search import pg_backend
from assetmap.search.text import category_label
from tests.factories import make_activity, make_organisation

pytestmark = pytest.mark.postgis


def _reference_sql() -> list[str]:
    """The first definitions (SQL functions with a join per row), under other names."""
    pairs = ", ".join(f"('{s}', '{category_label(s).replace(chr(39), chr(39) * 2)}')" for s in pg_backend._known_slugs())
    return [
        f"""CREATE OR REPLACE FUNCTION reference_category_words(cats json) RETURNS text LANGUAGE sql IMMUTABLE AS $$
          SELECT coalesce(string_agg(replace(c, '-', ' ') || ' ' || coalesce(l.label, ''), ' '), '')
          FROM json_array_elements_text(coalesce(cats, '[]'::json)) AS c
          LEFT JOIN (VALUES {pairs}) AS l(slug, label) ON l.slug = c $$""",
        """CREATE OR REPLACE FUNCTION reference_document(a activity) RETURNS tsvector LANGUAGE sql STABLE AS $$
        SELECT setweight(to_tsvector('english', assetmap_with_joins(a.name)), 'A')
            || setweight(to_tsvector('english', assetmap_with_joins(
                   reference_category_words(a.categories) || ' ' || assetmap_list_words(a.audience))), 'B')
            || setweight(to_tsvector('english', assetmap_with_joins(concat_ws(' ', a.description, a.venue,
                   (SELECT o.name FROM organisation o WHERE o.id = a.organisation_id), a.schedule_text, a.cost_text, a.address))), 'C') $$""",
        """CREATE OR REPLACE FUNCTION reference_words(a activity) RETURNS SETOF text LANGUAGE sql STABLE AS $$
        SELECT assetmap_words(concat_ws(' ', a.name, a.description, reference_category_words(a.categories),
                                        assetmap_list_words(a.audience), a.venue, a.schedule_text, a.address)) $$""",
    ]


def _awkward(organisation) -> list:
    return [
        make_activity(name="Café Crème: Knit & Natter", description="Bring your own wool — we’ve tea.", organisation_id=organisation.id),
        make_activity(name="Men's Shed", categories=["peer-support", "not-a-slug", "peer-support"], audience=["Men", "Older people"],
                      description="Wood-work, e-mail help at info@shed.example.org and www.shed.example.org", venue="St Mary's Hall"),
        make_activity(name="Food Bank drop-in", categories=[], audience=[], description=None, schedule_text=None, cost_text=None,
                      address="1 High St, Sale M33 7XW", organisation_id=organisation.id),
        make_activity(name="Tai chi — Ñandú group 2", categories=["exercise", None, "walking"], venue="Über Hall", lat=None, lon=None,
                      delivery=["online"], service_area=["E08000009", " e08 000009 "]),
        make_activity(name="A the and of", description="3pm 10:00 2024 co-op dementia-friendly", categories=["arts-crafts"]),
    ]


@pytest.fixture
def pg(pg_engine):
    connection = pg_engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection)
    try:
        organisation = make_organisation(name="Trafford Men’s Sheds Association")
        session.add(organisation)
        session.flush()
        session.add_all(_awkward(organisation))
        session.flush()
        pg_backend.ensure_schema(session)
        for statement in _reference_sql():
            session.execute(sa.text(statement))
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


def _entries(session) -> list[tuple]:
    return session.execute(sa.text(
        "SELECT activity_id, document::text, lat, lon, remote, serves FROM activity_search ORDER BY activity_id")).all()


def _words(session) -> set[str]:
    return set(session.scalars(sa.text("SELECT word FROM search_word")))


def _rewrite_all(session) -> None:
    """Touch every activity so the trigger writes its entry."""
    session.execute(sa.text("UPDATE activity SET name = name"))


def test_the_document_and_words_are_those_of_the_first_definitions(pg):
    differ = pg.scalar(sa.text("SELECT count(*) FROM activity a WHERE assetmap_search_document(a) IS DISTINCT FROM reference_document(a) "
                               "OR assetmap_category_words(a.categories) IS DISTINCT FROM reference_category_words(a.categories)"))
    assert differ == 0
    assert pg.scalar(sa.text("SELECT count(*) FROM activity")) == 5
    pg_backend.build(pg)
    assert _words(pg) == set(pg.scalars(sa.text("SELECT DISTINCT w FROM activity a, reference_words(a) AS w")))
    expected = pg.execute(sa.text("SELECT id, reference_document(a)::text FROM activity a ORDER BY id")).all()
    assert [(row[0], row[1]) for row in _entries(pg)] == expected


def test_build_writes_what_the_trigger_writes(pg):
    _rewrite_all(pg)
    by_trigger, words_by_trigger = _entries(pg), _words(pg)
    assert len(by_trigger) == 5 and "shed" in words_by_trigger
    pg.execute(sa.text("DELETE FROM activity_search"))
    pg.execute(sa.text("DELETE FROM search_word"))
    assert pg_backend.build(pg) == 5
    assert _entries(pg) == by_trigger
    assert _words(pg) == words_by_trigger


def test_a_deferred_bulk_write_then_refresh_equals_the_trigger(pg):
    _rewrite_all(pg)
    by_trigger, words_by_trigger = _entries(pg), _words(pg)
    pg.execute(sa.text("DELETE FROM activity_search"))
    pg.execute(sa.text("DELETE FROM search_word"))
    pg_backend.defer_refresh(pg)
    _rewrite_all(pg)
    assert _entries(pg) == []          # the trigger left them for refresh
    ids = list(pg.scalars(sa.text("SELECT id FROM activity")))
    assert pg_backend.refresh(pg, ids + ["no-such-id"]) == 5
    assert _entries(pg) == by_trigger
    assert _words(pg) == words_by_trigger


WORDS = ["shed", "sheds", "knit", "knitting", "natter", "creme", "cafe", "foodbank", "dropin", "menshed", "wool", "association",
         "trafford", "the", "and", "zzzzqx", "dementia", "friendly", "dementiafriendly", "coop", "email", "info", "example", "peer",
         "support", "wellbeing", "nandu", "uber", "3pm", "walking", "walk", "free", "hall", "mary", "marys", "tai", "chi", "wood", "woodwork"]


def test_known_words_gives_the_per_word_answers(pg):
    pg_backend.build(pg)
    one_by_one = sa.text("SELECT numnode(plainto_tsquery('english', :w)) = 0 OR EXISTS "
                         "(SELECT 1 FROM activity_search WHERE document @@ plainto_tsquery('english', :w))")
    expected = {w for w in WORDS if pg.scalar(one_by_one, {"w": w})}
    assert {"shed", "the", "foodbank", "trafford"} <= expected and "zzzzqx" not in expected
    assert pg_backend.PostgresBackend(pg).known_words(WORDS) == expected
    assert pg_backend.PostgresBackend(pg).known_words([]) == set()


@pytest.mark.parametrize("common", ["none", "all"])
def test_known_words_is_the_same_whichever_way_each_word_is_looked_up(pg, common, monkeypatch):
    pg_backend.build(pg)
    lexemes = list(pg.scalars(sa.text("SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('english', w))) FROM unnest(CAST(:w AS text[])) w"),
                              {"w": WORDS}))
    monkeypatch.setattr(pg_backend, "common_lexemes", lambda session: "{}" if common == "none" else "{" + ",".join(lexemes) + "}")
    one_by_one = sa.text("SELECT numnode(plainto_tsquery('english', :w)) = 0 OR EXISTS "
                         "(SELECT 1 FROM activity_search WHERE document @@ plainto_tsquery('english', :w))")
    assert pg_backend.PostgresBackend(pg).known_words(WORDS) == {w for w in WORDS if pg.scalar(one_by_one, {"w": w})}


def test_common_lexemes_are_read_again_after_some_minutes(pg):
    pg_backend.build(pg)
    pg_backend._common_lexemes.clear()
    first = pg_backend.common_lexemes(pg, now=1000.0)
    assert "shed" in first[1:-1].split(",")
    pg.execute(sa.text("DELETE FROM pg_statistic WHERE starelid = 'activity_search'::regclass"))
    assert pg_backend.common_lexemes(pg, now=1000.0 + pg_backend.COMMON_LEXEMES_SECONDS - 1) == first
    assert pg_backend.common_lexemes(pg, now=1000.0 + pg_backend.COMMON_LEXEMES_SECONDS + 1) == "{}"


def test_the_one_write_path_defers_the_trigger_and_refreshes_what_it_changed(pg_engine, settings):
    """``changes.writing`` on PostgreSQL: no per-row trigger during the transaction, the changed rows refreshed before commit."""
    from sqlalchemy.orm import sessionmaker

    from assetmap import changes

    connection = pg_engine.connect()
    outer = connection.begin()
    try:
        sessions = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        activity = make_activity(name="Tuesday knitting circle")
        with sessions.begin() as session:
            pg_backend.ensure_schema(session)
            session.add(activity)
        document = sa.text("SELECT document::text FROM activity_search WHERE activity_id = :id")
        with changes.writing(settings, sessions, changes.editor_actor("editor@example.org")) as tx:
            tx.edit_activity(activity.id, {"name": "Thursday crochet circle"})
            tx.session.flush()
            assert "crochet" not in tx.session.scalar(document, {"id": activity.id})   # deferred: the trigger did not run
        with sessions() as session:
            assert "crochet" in session.scalar(document, {"id": activity.id})
            assert "crochet" in set(session.scalars(sa.text("SELECT word FROM search_word")))
    finally:
        outer.rollback()
        connection.close()
