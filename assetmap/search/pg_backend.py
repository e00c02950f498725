"""The many-servers backend: PostgreSQL full-text search answering the same QueryPlan.

Several web servers share one database, so the search lives there: ``activity_search`` holds a
weighted ``tsvector`` per activity (name A, category labels and audience B, the rest C; each with
its neighbouring words also joined, as the Whoosh index has them) under a GIN index, and
``search_word`` every word used, under a ``pg_trgm`` index, for spelling corrections. A trigger
on ``activity`` keeps both current inside the writer's own transaction, so there is no separate
index to update, and nothing can run ahead of the data. ``build`` creates all of it idempotently
and refills it. The synonyms, the ranking and the filters are the same
Python code as for Whoosh; only word matching and scoring run in SQL.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetmap import taxonomy
from assetmap.search import pg_listen, postings
from assetmap.search.errors import SearchIndexError
from assetmap.search.near import NearPoint
from assetmap.search.pg_table import (
    FILTER_COLUMNS,
    FROM_ACTIVITY,
    NOTIFY_TRIGGER,
    Held,
    candidates,
    directory,
    reach_box,
    reach_mask,
    select_columns,
    table_of,
)
from assetmap.search.postings import RANK_WEIGHTS
from assetmap.search.rank import concept_score
from assetmap.search.spelling import Lexicon, edit_distance, max_distance_for
from assetmap.search.table import Table
from assetmap.search.text import NOT_JOINED, QueryPlan, alternative_scales, category_label, evened
from assetmap.words import JOIN_CHARS

ACCENTS = ("áàâäãåéèêëíìîïóòôöõúùûüçñýÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÇÑÝ", "aaaaaaeeeeiiiiooooouuuucnyaaaaaaeeeeiiiiooooouuuucny")
def _category_words_sql() -> str:
    """An IMMUTABLE function turning a categories JSON list into its slugs' and labels' words, in list order.

    PL/pgSQL over a JSON constant of labels: its plan is kept between rows, where the same in SQL
    (a join with a list of labels) was planned again for every record.
    """
    labels = json.dumps({s: category_label(s) for s in _known_slugs()}).replace("'", "''")
    return f"""
CREATE OR REPLACE FUNCTION assetmap_category_words(cats json) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE c text; parts text[] := '{{}}'; labels CONSTANT jsonb := '{labels}';
BEGIN
    FOR c IN SELECT json_array_elements_text(coalesce(cats, '[]'::json)) LOOP
        IF c IS NOT NULL THEN
            parts := parts || (replace(c, '-', ' ') || ' ' || coalesce(labels ->> c, ''));
        END IF;
    END LOOP;
    RETURN array_to_string(parts, ' ');
END $$"""


def _known_slugs() -> list[str]:
    return [s for s in taxonomy.LABELS if s.replace("-", "").isalnum()]


def _sql_words(words) -> str:
    return "ARRAY[" + ", ".join(f"'{w}'" for w in sorted(words)) + "]"


def _document_sql(a: str, organisation_name: str) -> str:
    """The weighted document of activity row ``a``: one expression for the trigger, the function and ``build``."""
    return (f"setweight(to_tsvector('english', assetmap_with_joins({a}.name)), 'A')"
            f" || setweight(to_tsvector('english', assetmap_with_joins("
            f"assetmap_category_words({a}.categories) || ' ' || assetmap_list_words({a}.audience))), 'B')"
            f" || setweight(to_tsvector('english', assetmap_with_joins(concat_ws(' ', {a}.description, {a}.venue, "
            f"{organisation_name}, {a}.schedule_text, {a}.cost_text, {a}.address))), 'C')")


def _words_sql(a: str) -> str:
    """``FROM`` items giving each distinct-per-row word of row ``a`` as ``w`` (as ``assetmap_words`` splits them)."""
    return (f"regexp_split_to_table(assetmap_fold(regexp_replace(concat_ws(' ', {a}.name, {a}.description, "
            f"assetmap_category_words({a}.categories), assetmap_list_words({a}.audience), {a}.venue, {a}.schedule_text, {a}.address), "
            "'[''’]', '', 'g')), '[^a-z0-9]+') AS w")


WORDS_WHERE = "length(w) >= 3 AND w !~ '^[0-9]+$'"


TABLES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE IF NOT EXISTS activity_search (
        activity_id varchar(36) PRIMARY KEY REFERENCES activity(id) ON DELETE CASCADE,
        document tsvector NOT NULL)""",
    # Copies of what "near" needs, so a radius search is an index range scan, not a pass over JSON.
    "ALTER TABLE activity_search ADD COLUMN IF NOT EXISTS lat double precision",
    "ALTER TABLE activity_search ADD COLUMN IF NOT EXISTS lon double precision",
    "ALTER TABLE activity_search ADD COLUMN IF NOT EXISTS remote boolean NOT NULL DEFAULT false",
    "ALTER TABLE activity_search ADD COLUMN IF NOT EXISTS serves text[] NOT NULL DEFAULT '{}'",
    # Which transaction last wrote each entry, a row per deleted activity, and the tables' incarnation: what
    # each process's copy of the filter columns (``pg_table``) reads to stay current.
    "ALTER TABLE activity_search ADD COLUMN IF NOT EXISTS changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()",
    "CREATE INDEX IF NOT EXISTS ix_activity_search_changed ON activity_search (changed_xid)",
    # A number per entry, kept while the activity is: a search's matches map to a process's rows in one numpy gather.
    "ALTER TABLE activity_search ADD COLUMN IF NOT EXISTS search_key bigint GENERATED BY DEFAULT AS IDENTITY",
    """CREATE TABLE IF NOT EXISTS search_removed (
        activity_id varchar(36) NOT NULL, removed_xid xid8 NOT NULL DEFAULT pg_current_xact_id())""",
    "CREATE INDEX IF NOT EXISTS ix_search_removed_xid ON search_removed (removed_xid)",
    "CREATE TABLE IF NOT EXISTS search_state (token text NOT NULL)",
    "INSERT INTO search_state (token) SELECT gen_random_uuid()::text WHERE NOT EXISTS (SELECT 1 FROM search_state)",
    "CREATE TABLE IF NOT EXISTS search_word (word text PRIMARY KEY)",
    "DROP INDEX IF EXISTS ix_search_word_trigram",  # a GIN index in the first version: GiST serves nearest-first
    "CREATE INDEX IF NOT EXISTS ix_search_word_nearest ON search_word USING gist (word gist_trgm_ops)",
]
FUNCTIONS = [
    f"""CREATE OR REPLACE FUNCTION assetmap_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT translate(lower(coalesce(t, '')), '{ACCENTS[0]}', '{ACCENTS[1]}') $$""",
    """CREATE OR REPLACE FUNCTION assetmap_list_words(items json) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(string_agg(x, ' '), '') FROM json_array_elements_text(coalesce(items, '[]'::json)) AS x $$""",
    """CREATE OR REPLACE FUNCTION assetmap_is_remote(delivery json) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
        SELECT EXISTS (SELECT 1 FROM json_array_elements_text(coalesce(delivery, '[]'::json)) AS d
                       WHERE lower(d) IN ('online', 'telephone')) $$""",
    """CREATE OR REPLACE FUNCTION assetmap_codes(items json) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(array_agg(DISTINCT upper(regexp_replace(x, '[[:space:],]', '', 'g'))), '{}')
        FROM json_array_elements_text(coalesce(items, '[]'::json)) AS x WHERE btrim(x) <> '' $$""",
    # Each pair of neighbouring words joined ("Food Bank" → foodbank), as ``words.joined_words`` reads them.
    # PL/pgSQL, not SQL: its plan is kept between rows (the same in SQL was 25 ms a record).
    f"""CREATE OR REPLACE FUNCTION assetmap_joins(t text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
    DECLARE run text; w text[]; joins text[] := '{{}}';
    BEGIN
        FOR run IN SELECT regexp_split_to_table(assetmap_fold(regexp_replace(t, '[''’‘`ʼ]', '', 'g')), '[^a-z\\s-]+') LOOP
            w := regexp_split_to_array(btrim(run, E' \\t\\n\\r\\f\\v-'), '[\\s-]+');
            FOR i IN 1 .. coalesce(array_length(w, 1), 0) - 1 LOOP
                IF w[i] <> '' AND w[i + 1] <> '' AND NOT (w[i] = ANY ({_sql_words(NOT_JOINED)}) OR w[i + 1] = ANY ({_sql_words(NOT_JOINED)}))
                   AND length(w[i] || w[i + 1]) BETWEEN {JOIN_CHARS[0]} AND {JOIN_CHARS[1]} THEN
                    joins := joins || (w[i] || w[i + 1]);
                END IF;
            END LOOP;
        END LOOP;
        RETURN array_to_string(joins, ' ');
    END $$""",
    """CREATE OR REPLACE FUNCTION assetmap_with_joins(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT assetmap_fold(t) || ' ' || assetmap_joins(t) $$""",
    # PL/pgSQL with the organisation read first, so the expression is a simple one whose plan is kept.
    f"""CREATE OR REPLACE FUNCTION assetmap_search_document(a activity) RETURNS tsvector LANGUAGE plpgsql STABLE AS $$
    DECLARE organisation_name text;
    BEGIN
        SELECT o.name INTO organisation_name FROM organisation o WHERE o.id = a.organisation_id;
        RETURN {_document_sql('a', 'organisation_name')};
    END $$""",
    # Whether any record matches: through the word index, or by reading rows in order (see ``PostgresBackend.known_words``).
    """CREATE OR REPLACE FUNCTION assetmap_matches(q tsquery) RETURNS boolean LANGUAGE plpgsql STABLE SET enable_seqscan = off AS $$
    BEGIN
        RETURN EXISTS (SELECT 1 FROM activity_search WHERE document @@ q);
    END $$""",
    """CREATE OR REPLACE FUNCTION assetmap_matches_soon(q tsquery) RETURNS boolean LANGUAGE plpgsql STABLE
        SET enable_bitmapscan = off SET enable_indexscan = off AS $$
    BEGIN
        RETURN EXISTS (SELECT 1 FROM activity_search WHERE document @@ q);
    END $$""",
    """CREATE OR REPLACE FUNCTION assetmap_words(t text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$
        SELECT DISTINCT w FROM regexp_split_to_table(assetmap_fold(regexp_replace(t, '[''’]', '', 'g')), '[^a-z0-9]+') AS w
        WHERE length(w) >= 3 AND w !~ '^[0-9]+$' $$""",
    """CREATE OR REPLACE FUNCTION assetmap_activity_words(a activity) RETURNS SETOF text LANGUAGE sql STABLE AS $$
        SELECT assetmap_words(concat_ws(' ', a.name, a.description, assetmap_category_words(a.categories),
                                        assetmap_list_words(a.audience), a.venue, a.schedule_text, a.address)) $$""",
]
# Where a record can be reached from, as words of a second tsvector (``place``) beside its document, both in one GIN
# index: a near search asks for (its words) AND (the grid cells its reach box covers OR its areas' codes OR "everywhere"),
# and the index intersects a common word's long list with the short place lists, instead of reading every record in
# the country that holds the word (330 ms at 1,000,000 records) before the place narrows them. A superset of the
# reach clause, which still decides exactly. A record has a cell at each of several sizes, so a box is covered by a
# few cells of the size that fits it: each word of the question costs the index a step per matching record
# (117 small cells for a 20 km radius took 80 ms, 6 larger ones 8 ms). Coordinates are clamped: every finite one has a cell.
CELL_SIZES = (0.05, 0.1, 0.2, 0.4, 0.8)    # degrees (0.05: ~5.5 km of latitude)
CELL_CLAMP = 1000.0                        # coordinates are clamped to ± this first (dividing 1e308 overflows in SQL)
CELL_SHIFT = 100_000                       # added to cell numbers, so they are positive
MAX_PLACE_CELLS = 24                       # cells a box may take; a box needing more even at the largest size asks without them
                                           # (of 6, 12, 24 and 48, 24 gave the lowest p95 over bench/scale.py's questions)
PLACE = [
    f"""CREATE OR REPLACE FUNCTION assetmap_cell(v double precision, size double precision) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT (floor(least(greatest(v, -{CELL_CLAMP}), {CELL_CLAMP}) / size)::int + {CELL_SHIFT})::text $$""",
    # Changing what this returns needs the column dropped and added again (``build`` does not recompute stored values).
    f"""CREATE OR REPLACE FUNCTION assetmap_place(lat double precision, lon double precision, remote boolean, serves text[])
    RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
        SELECT array_to_tsvector(ARRAY(SELECT DISTINCT x FROM unnest(
            CASE WHEN lat > '-Infinity' AND lat < 'Infinity' AND lon > '-Infinity' AND lon < 'Infinity' THEN ARRAY[
                {", ".join(f"'g{level}y' || assetmap_cell(lat, {size}) || 'x' || assetmap_cell(lon, {size})"
                           for level, size in enumerate(CELL_SIZES))}]
            ELSE '{{}}'::text[] END
            || CASE WHEN remote THEN ARRAY(SELECT 's' || md5(c) FROM unnest(serves) AS c) ELSE '{{}}'::text[] END
            || CASE WHEN remote AND lat IS NULL AND serves = '{{}}' THEN ARRAY['everywhere'] ELSE '{{}}'::text[] END) AS x)) $$""",
    "ALTER TABLE activity_search ADD COLUMN IF NOT EXISTS place tsvector "
    "GENERATED ALWAYS AS (assetmap_place(lat, lon, remote, serves)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_activity_search_words_place ON activity_search USING gin (document, place)",
    # New entries wait in a list every search reads in full until it is merged: keep it short (kB).
    "ALTER INDEX ix_activity_search_words_place SET (gin_pending_list_limit = 256)",
    # The first version's indexes: the planner preferred them to the one above, and they cost every write.
    "DROP INDEX IF EXISTS ix_activity_search_document",
    "DROP INDEX IF EXISTS ix_activity_search_lat_lon",
    "DROP INDEX IF EXISTS ix_activity_search_serves",
    "DROP INDEX IF EXISTS ix_activity_search_everywhere",
]
TRIGGERS = [
    # ``SET LOCAL assetmap.defer_search = 'on'`` skips it for a bulk write, which then calls ``refresh``.
    f"""CREATE OR REPLACE FUNCTION assetmap_refresh_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF current_setting('assetmap.defer_search', true) = 'on' THEN
            RETURN NEW;
        END IF;
        INSERT INTO activity_search (activity_id, document, lat, lon, remote, serves, changed_xid)
            VALUES (NEW.id, assetmap_search_document(NEW), NEW.lat, NEW.lon, assetmap_is_remote(NEW.delivery), assetmap_codes(NEW.service_area),
                    pg_current_xact_id())
            ON CONFLICT (activity_id) DO UPDATE SET document = EXCLUDED.document, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
                                                    remote = EXCLUDED.remote, serves = EXCLUDED.serves, changed_xid = EXCLUDED.changed_xid;
        INSERT INTO search_word (word) SELECT DISTINCT w FROM {_words_sql('NEW')} WHERE {WORDS_WHERE} ON CONFLICT DO NOTHING;
        RETURN NEW;
    END $$""",
    """CREATE OR REPLACE TRIGGER activity_search_refresh AFTER INSERT OR UPDATE ON activity
        FOR EACH ROW EXECUTE FUNCTION assetmap_refresh_search()""",
    """CREATE OR REPLACE FUNCTION assetmap_refresh_organisation() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE activity_search s SET document = assetmap_search_document(a), changed_xid = pg_current_xact_id()
            FROM activity a WHERE a.organisation_id = NEW.id AND s.activity_id = a.id;   -- stamped: held tables show the new name
        RETURN NEW;
    END $$""",
    """CREATE OR REPLACE TRIGGER organisation_search_refresh AFTER UPDATE OF name ON organisation
        FOR EACH ROW EXECUTE FUNCTION assetmap_refresh_organisation()""",
    """CREATE OR REPLACE FUNCTION assetmap_note_removed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO search_removed (activity_id) VALUES (OLD.id);
        RETURN OLD;
    END $$""",
    """CREATE OR REPLACE TRIGGER activity_search_removed AFTER DELETE ON activity
        FOR EACH ROW EXECUTE FUNCTION assetmap_note_removed()""",
    # A record's group of linked duplicates is one of its filter columns: a new link is a change to it.
    """CREATE OR REPLACE FUNCTION assetmap_note_group() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE activity_search SET changed_xid = pg_current_xact_id()
            WHERE activity_id IN (CASE WHEN TG_OP <> 'DELETE' THEN NEW.activity_id END, CASE WHEN TG_OP <> 'INSERT' THEN OLD.activity_id END);
        RETURN NULL;
    END $$""",
    """CREATE OR REPLACE TRIGGER duplicate_group_search AFTER INSERT OR UPDATE OR DELETE ON duplicate_group
        FOR EACH ROW EXECUTE FUNCTION assetmap_note_group()""",
    # Every committed change to what searches hold is announced (once a transaction: PostgreSQL folds repeats), so a
    # process that heard nothing since its last look need not look again (``pg_listen``, ``pg_table.NOTIFY_TRIGGER``).
    f"""CREATE OR REPLACE FUNCTION assetmap_announce_search() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('{pg_listen.CHANNEL}', '');
        RETURN NULL;
    END $$""",
    *(f"""CREATE OR REPLACE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION assetmap_announce_search()"""
      for name, table in ((NOTIFY_TRIGGER, "activity_search"), ("search_removed_notify", "search_removed"),
                          ("search_state_notify", "search_state"))),
]


def ensure_schema(session: Session) -> None:
    """Create (or bring up to date) everything the search needs; safe to run any number of times."""
    for statement in [*TABLES, _category_words_sql(), *FUNCTIONS, *PLACE, *TRIGGERS]:  # functions before their callers
        session.execute(sa.text(statement))


# Entries written in this order lie near their neighbours on disk: a near search reads a few thousand pages, not one
# page per match (25,000 pages for 23,000 matches at 1,000,000 records). Only ``build`` orders; later writes go where there is room.
PLACE_ORDER = (f" ORDER BY a.lat IS NULL, assetmap_codes(a.service_area), assetmap_cell(a.lat, {CELL_SIZES[-1]}), "
               f"assetmap_cell(a.lon, {CELL_SIZES[-1]}), assetmap_cell(a.lat, {CELL_SIZES[0]}), assetmap_cell(a.lon, {CELL_SIZES[0]})")
REFRESH_SQL = f"""
    INSERT INTO activity_search (activity_id, document, lat, lon, remote, serves, changed_xid)
    SELECT a.id, {_document_sql('a', 'o.name')}, a.lat, a.lon, assetmap_is_remote(a.delivery), assetmap_codes(a.service_area), pg_current_xact_id()
    FROM activity a LEFT JOIN organisation o ON o.id = a.organisation_id
    WHERE {{which}}{{order}}
    ON CONFLICT (activity_id) DO UPDATE SET document = EXCLUDED.document, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
                                            remote = EXCLUDED.remote, serves = EXCLUDED.serves, changed_xid = EXCLUDED.changed_xid"""
REFRESH_WORDS_SQL = (f"INSERT INTO search_word (word) SELECT DISTINCT w FROM activity a, {_words_sql('a')} "
                     f"WHERE {{which}} AND {WORDS_WHERE} ON CONFLICT DO NOTHING")


def build(session: Session) -> int:
    """Create the search objects and refill them from every activity; returns the count.

    Set-based (one join with organisation, the document expression inline), not the trigger's
    function per row: several times cheaper for a whole table.
    """
    ensure_schema(session)
    session.execute(sa.text("UPDATE search_state SET token = gen_random_uuid()::text"))   # every process reads its table again
    session.execute(sa.text("DELETE FROM search_removed"))
    session.execute(sa.text(REFRESH_SQL.format(which="TRUE", order=PLACE_ORDER)))
    session.execute(sa.text(REFRESH_WORDS_SQL.format(which="TRUE")))
    session.execute(sa.text("SELECT gin_clean_pending_list('ix_activity_search_words_place')"))  # searches read it whole
    session.execute(sa.text("ANALYZE activity_search"))  # the planner needs figures to choose the indexes
    session.execute(sa.text("ANALYZE search_word"))
    return session.scalar(sa.text("SELECT count(*) FROM activity_search")) or 0


def defer_refresh(session: Session) -> None:
    """For the rest of this transaction, writes to activity skip the per-row search trigger.

    For a bulk write: call ``refresh`` with the written ids before the commit, so the search is
    current when the data is (one statement for all rows instead of one trigger run per row).
    """
    session.execute(sa.text("SET LOCAL assetmap.defer_search = 'on'"))


def refresh(session: Session, ids: Sequence[str]) -> int:
    """Bring the search entries of these activities up to date in one statement; returns how many exist."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    which = "a.id = ANY(CAST(:ids AS varchar[]))"
    found = session.execute(sa.text(REFRESH_SQL.format(which=which, order="")), {"ids": ids}).rowcount
    session.execute(sa.text(REFRESH_WORDS_SQL.format(which=which)), {"ids": ids})
    return found


def is_ready(session: Session) -> bool:
    """Whether this database has the search tables and triggers of this version (an older set is built again by ``build``)."""
    return bool(session.scalar(sa.text(
        "SELECT to_regclass('activity_search') IS NOT NULL AND to_regclass('search_state') IS NOT NULL AND "
        "(SELECT count(*) FROM pg_trigger WHERE tgrelid = 'activity'::regclass "   # (tgrelid, tgname): the catalogue's own index
        " AND tgname IN ('activity_search_refresh', 'activity_search_removed')) = 2 AND "
        "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('activity_search') AND attname = 'place' AND NOT attisdropped)")))


def is_announced(session: Session) -> bool:
    """Whether the search tables' triggers are this version's: changes announced (``pg_listen``), and an organisation's
    new name stamping its activities' rows (``changed_xid``). A database made by an older version gets them from ``heal``."""
    return bool(session.scalar(sa.text(
        f"SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'activity_search'::regclass AND tgname = '{NOTIFY_TRIGGER}')"
        " AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'assetmap_refresh_organisation' AND prosrc LIKE '%changed_xid%')")))


def check(session: Session) -> list[str]:
    """Activities whose search entry is missing or differs from what the trigger would write now."""
    if not is_ready(session):
        return ["the PostgreSQL search table or its trigger is missing: run `assetmap index`"]
    rows = session.execute(sa.text("""
        SELECT a.id, a.name, s.activity_id IS NULL AS missing FROM activity a
        LEFT JOIN activity_search s ON s.activity_id = a.id
        WHERE s.activity_id IS NULL OR s.document IS DISTINCT FROM assetmap_search_document(a)
           OR s.lat IS DISTINCT FROM a.lat OR s.lon IS DISTINCT FROM a.lon OR s.remote <> assetmap_is_remote(a.delivery)
           OR s.serves <> assetmap_codes(a.service_area)
        ORDER BY a.id"""))
    return [f"{i} ({name}): {'in the database but not in the search table' if missing else 'changed since it was indexed'}"
            for i, name, missing in rows]


def _reach_sql(near: NearPoint | None, radius_km: float | None) -> tuple[str, dict]:
    """A WHERE clause keeping rows in a box round the point, and online or phone services for its areas.

    A superset of ``filters.reach`` (a box, not a circle), so the exact rules stay in one place, in
    Python. The ``place`` words (``place_query``) let the word index find them; the clause after them decides.
    """
    if near is None or radius_km is None:
        return "TRUE", {}
    south, north, west, east = reach_box(near, radius_km)
    codes = sorted(set(near.codes.values()))
    params = {"south": south, "north": north, "west": west, "east": east, "codes": codes}
    place = place_query((south, north, west, east), codes)
    if place is not None:
        params["place"] = place
    return (("s.place @@ CAST(:place AS tsquery) AND " if place is not None else "")
            + "((s.lat BETWEEN :south AND :north AND s.lon BETWEEN :west AND :east)"
            " OR (s.remote AND s.serves && CAST(:codes AS text[]))"
            " OR (s.remote AND s.lat IS NULL AND s.serves = '{}'))"), params


def _cell(value: float, size: float) -> int:
    """``assetmap_cell`` in Python: the same clamp, the same floor of the same IEEE division."""
    return math.floor(min(max(value, -CELL_CLAMP), CELL_CLAMP) / size) + CELL_SHIFT


def place_query(box: tuple[float, float, float, float], codes: Sequence[str], everywhere: bool = True) -> str | None:
    """The ``place`` words a record in reach has: cells meeting the box (south, north, west, east), ``codes``, everywhere.

    Each cell of the box's corners lies between theirs (floor and clamp keep order), so every
    record inside the box has one of these cells. None when even the coarse cells are too many
    (a radius of hundreds of kilometres): the search then reads the words alone, as before.
    """
    south, north, west, east = box
    if not all(math.isfinite(edge) for edge in box):
        return None
    for level, size in enumerate(CELL_SIZES):
        rows = range(_cell(south, size), _cell(north, size) + 1)
        columns = range(_cell(west, size), _cell(east, size) + 1)
        if len(rows) * len(columns) <= MAX_PLACE_CELLS:
            words = [f"g{level}y{r}x{c}" for r in rows for c in columns]
            break
    else:
        return None
    words += ["s" + hashlib.md5(code.encode()).hexdigest() for code in codes] + (["everywhere"] if everywhere else [])
    return " | ".join(f"'{w}'" for w in words) or None   # only letters and digits: nothing to escape


def _box_sql(box) -> str:
    """Rows placed inside a map's box (west, south, east, north): through the ``place`` cells when the box is not too wide."""
    if box is None:
        return ""
    place = " AND s.place @@ CAST(:box_place AS tsquery)" if _box_place(box) is not None else ""
    return place + " AND s.lat BETWEEN :box_south AND :box_north AND s.lon BETWEEN :box_west AND :box_east"


def _box_place(box) -> str | None:
    west, south, east, north = box
    return place_query((south, north, west, east), (), everywhere=False)


KNOWN_WORDS_SQL = """
    SELECT w FROM unnest(CAST(:words AS text[])) AS w, plainto_tsquery('english', w) AS q
    WHERE numnode(q) = 0 OR CASE WHEN tsvector_to_array(to_tsvector('english', w)) <@ CAST(:common AS text[])
                                 THEN assetmap_matches_soon(q) ELSE assetmap_matches(q) END"""
COMMON_LEXEMES_SQL = """
    SELECT most_common_elems::text FROM pg_stats
    WHERE schemaname = current_schema() AND tablename = 'activity_search' AND attname = 'document'"""
COMMON_LEXEMES_SECONDS = 600.0
_common_lexemes: dict[str, tuple[float, str]] = {}


def common_lexemes(session: Session, now: float | None = None) -> str:
    """The lexemes the planner's statistics call common (an array's text), kept per database for some minutes.

    Only a hint for how to look a word up (``known_words``), never the answer, so an old list
    costs time at worst; reading the statistics view each search cost several milliseconds.
    """
    now = time.monotonic() if now is None else now
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    found = _common_lexemes.get(key)
    if found is None or now - found[0] > COMMON_LEXEMES_SECONDS:
        found = (now, session.scalar(sa.text(COMMON_LEXEMES_SQL)) or "{}")  # as text: a list parameter took 2 ms a search
        _common_lexemes[key] = found
    return found[1]


RECHECK_SQL = "WHERE m.activity_id = ANY(CAST(:recheck AS text[]))"   # a remembered question asked again of changed records
LEXEMES_KEPT = 20_000   # alternatives' lexemes remembered per process


def _places(listed: postings.Postings, near: NearPoint | None, radius_km: float | None, box) -> list[tuple[int, int]] | None:
    """The place numbers a search may reach (``postings.spans``): the box's cells, or the reach's cells, areas and everywhere."""
    if box is not None:
        west, south, east, north = box
        return postings.spans((south, north, west, east))
    if near is None or radius_km is None:
        return None
    areas = [listed.places.areas[code] for code in set(near.codes.values()) if code in listed.places.areas]
    return postings.spans(reach_box(near, radius_km), areas, everywhere=True)


def _written_in_reach(held: Held, near: NearPoint | None, radius_km: float | None, box) -> list[str]:
    """Ids of the live records written since the word lists were read that may be in reach (PostgreSQL answers for them)."""
    touched = held.postings.touched
    if not len(touched):
        return []
    rows = held.rows(touched, held.table)
    rows = rows[rows >= 0]
    return held.table.ids[rows[reach_mask(held.table, rows, near, radius_km, box)]].tolist()


class PostgresBackend:
    """Answers a QueryPlan: one SQL query over activity_search matches and ranks words; ``pg_table`` holds the rest."""

    def __init__(self, session: Session):
        self.directory = directory(session)
        if not self.directory.seen_ready() and not is_ready(session):
            raise SearchIndexError("PostgreSQL search is not set up in this database: run `assetmap index`")
        self.session = session
        self.held = self.directory.current(session)   # None: answer from the rows themselves

    def retrieve(self, plan: QueryPlan, near: NearPoint | None = None, radius_km: float | None = None,
                 box: tuple[float, float, float, float] | None = None) -> tuple[Table, list[np.ndarray]]:
        """Rows matching any alternative (all rows with no words), within reach of ``near`` when a radius is given.

        ``box`` (west, south, east, north) keeps only rows placed inside it. The rows' filter columns
        come from this process's table (``pg_table``); PostgreSQL only says which match and how well.
        """
        alternatives = [alt for concept in plan.concepts for alt in concept.alternatives]
        held = self.held
        if held is None:
            return self._retrieve_rows(alternatives, plan, near, radius_km, box)
        table = held.table
        if not alternatives:
            return table.take(candidates(table, near, radius_km, box)), []
        keys, ranks = self._matches(alternatives, near, radius_km, box)
        rows = held.rows(keys, table)
        kept = rows >= 0   # a match written since the table was read is found next time
        return table.take(rows[kept]), self._concept_scores(plan, ranks[kept])

    def basis(self, plan: QueryPlan, near: NearPoint | None = None, radius_km: float | None = None, box=None) -> object | None:
        """What ``retrieve``'s answer rests on, replaced whenever any candidate changes (``search.answers``); None: no such thing."""
        if self.held is None:
            return None
        alternatives = [alt for concept in plan.concepts for alt in concept.alternatives]
        return self._matches(alternatives, near, radius_km, box)[0] if alternatives else self.held.table

    def _matches(self, alternatives, near, radius_km, box) -> tuple[np.ndarray, np.ndarray]:
        """Each match's search key, and a column of ranks per alternative: remembered (``match_cache``) or asked."""
        sql = self._match_sql("s.search_key, s.activity_id", alternatives, near, radius_km, box)
        params = self._match_params(alternatives, near, radius_km, box)
        question = (sql, *sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items()))
        count = len(alternatives)
        return self.directory.matches.matches(question, self.held, lambda: self._looked_up(alternatives, near, radius_km, box, sql, params),
                                              lambda ids: self._asked(sql, {**params, "recheck": list(ids)}, count, RECHECK_SQL))

    def _looked_up(self, alternatives, near, radius_km, box, sql: str, params: dict) -> tuple[np.ndarray, np.ndarray]:
        """``sql``'s matches from the held word lists (``search.postings``); records written since, from PostgreSQL by id.

        The same keys and ranks as asking ``sql`` itself: the lists hold PostgreSQL's own ranks, and
        ``reach_mask`` is the reach clause's rule.
        """
        held, count = self.held, len(alternatives)
        texts = [" ".join(alt.words) for alt in alternatives]
        lexemes = self._lexemes(texts)
        listed = held.postings
        if listed is None or any(words is None for words in lexemes):
            return self._asked(sql, params, count)
        places, table, found = _places(listed, near, radius_km, box), held.table, []
        for words, text in zip(lexemes, texts):
            keys, ranks = listed.term(words, lambda text=text: postings.ask_term(self.session, text)).within(places)
            rows = held.rows(keys, table)
            found.append((rows[rows >= 0], ranks[rows >= 0]))   # a record deleted since has no live row
        rows, ranks = postings.union(found, len(table))
        keys = held.key_of_row[rows]
        keep = listed.untouched(keys)
        keep[keep] = reach_mask(table, rows[keep], near, radius_km, box)
        keys, ranks = keys[keep], ranks[keep]
        written = _written_in_reach(held, near, radius_km, box)
        if written:
            more_keys, more_ranks = self._asked(sql, {**params, "recheck": written}, count, RECHECK_SQL)
            keys, ranks = np.concatenate([keys, more_keys]), np.concatenate([ranks, more_ranks.astype(np.float32)])
        return keys, ranks

    def _lexemes(self, texts: Sequence[str]) -> list[tuple[str, ...] | None]:
        """Each alternative's lexemes, as PostgreSQL makes them (asked once per process, then remembered)."""
        known = self.directory.lexemes
        missing = [text for text in dict.fromkeys(texts) if text not in known]
        found = postings.ask_lexemes(self.session, missing) if missing else {}
        if len(known) > LEXEMES_KEPT:
            self.directory.lexemes = known = {}   # a new dict: other threads read the old one
        known.update(found)
        return [found[text] if text in found else known.get(text) for text in texts]

    def _asked(self, sql: str, params: dict, alternatives: int, where: str = "") -> tuple[np.ndarray, np.ndarray]:
        """The matches of ``sql`` (narrowed by ``where``) in one row of comma-joined lists.

        A row per match made a Python object per value (2 ms for a thousand matches, a fifth of a
        search's time); the lists' text is parsed by numpy in C.
        """
        ranks = [f"r{i}" for i in range(alternatives)]
        lists = ", ".join(f"array_to_string(array_agg(m.{c}), ',')" for c in ["search_key", *ranks])
        found = self.session.execute(sa.text(f"SELECT {lists} FROM ({sql}) AS m {where}"), params).one()
        if not found[0]:
            return np.zeros(0, np.int64), np.zeros((0, len(ranks)), np.float64)
        keys = np.fromstring(found[0], dtype=np.int64, sep=",")
        return keys, np.stack([np.fromstring(text, dtype=np.float64, sep=",") for text in found[1:]], axis=1)

    def _retrieve_rows(self, alternatives, plan: QueryPlan, near, radius_km, box) -> tuple[Table, list[np.ndarray]]:
        """The same answer from the rows themselves, while this process has no table (or within a writing transaction)."""
        params = self._match_params(alternatives, near, radius_km, box)
        if not alternatives:
            where = _reach_sql(near, radius_km)[0] + _box_sql(box)
            return table_of(self.session.execute(sa.text(f"SELECT {select_columns()} FROM {FROM_ACTIVITY} WHERE {where}"), params).all()), []
        rows = self.session.execute(sa.text(self._match_sql(select_columns(), alternatives, near, radius_km, box, joined=True)), params).all()
        ranks = np.array([row[len(FILTER_COLUMNS):] for row in rows], dtype=np.float64).reshape(len(rows), len(alternatives))
        return table_of(rows), self._concept_scores(plan, ranks)

    @staticmethod
    def _match_params(alternatives, near, radius_km, box) -> dict:
        params = {**_reach_sql(near, radius_km)[1], **{f"q{i}": " ".join(alt.words) for i, alt in enumerate(alternatives)}}
        if box is not None:
            params.update(zip(("box_west", "box_south", "box_east", "box_north"), box))
            params["box_place"] = _box_place(box)
        return params

    @staticmethod
    def _match_sql(columns: str, alternatives, near, radius_km, box, joined: bool = False) -> str:
        """Each matching row's ``columns`` and its rank for every alternative (the rank of a non-match is 0)."""
        queries = ", ".join(f"plainto_tsquery('english', assetmap_fold(:q{i})) AS q{i}" for i in range(len(alternatives)))
        ranks = ", ".join(f"CASE WHEN s.document @@ q.q{i} THEN ts_rank('{RANK_WEIGHTS}', s.document, q.q{i}, 1) ELSE 0 END AS r{i}"
                          for i in range(len(alternatives)))  # ts_rank gives a tiny non-zero rank to a non-match
        matches = " || ".join(f"q.q{i}" for i in range(len(alternatives)))
        where = _reach_sql(near, radius_km)[0] + _box_sql(box)
        return (f"SELECT {columns}, {ranks} FROM {FROM_ACTIVITY if joined else 'activity_search s'}, (SELECT {queries}) AS q "
                f"WHERE s.document @@ ({matches}) AND {where}")

    @staticmethod
    def _concept_scores(plan: QueryPlan, ranks: np.ndarray) -> list[np.ndarray]:
        """Per concept: best weighted alternative rank per row, plus a share of the others (as for Whoosh).

        ``ranks`` has a row per matching record and a column per alternative, in the plan's order.
        """
        scores = []
        column = 0
        for concept in plan.concepts:
            best = np.zeros(len(ranks), dtype=np.float32)
            total = np.zeros(len(ranks), dtype=np.float32)
            ranks_of = [ranks[:, column + i].astype(np.float32) for i in range(len(concept.alternatives))]
            scales = alternative_scales([float(r.max()) if len(r) else 0.0 for r in ranks_of])
            for alternative, rank, scale in zip(concept.alternatives, ranks_of, scales):
                weighted = evened(rank, float(rank.max()) if len(rank) else 0.0) * (alternative.weight * scale)
                best, total = np.maximum(best, weighted), total + weighted
            column += len(concept.alternatives)
            scores.append(concept_score(best, total))
        return scores

    def known_words(self, words: Sequence[str]) -> set[str]:
        """Words some record contains once stemmed (or that are only stop words to PostgreSQL), in one query.

        A lexeme the statistics call common is looked for by reading rows in order (one soon
        matches, ``assetmap_matches_soon``); any other through the word index (``assetmap_matches``): reading in order would
        pass over every row for a misspelling, and the index would read long lists for common words.
        """
        if not words:
            return set()
        words = list(dict.fromkeys(words))
        remembered = self.directory.remembered_words() if self.held is not None else {}   # only for committed records
        asked = [w for w in words if w not in remembered]
        if asked:
            found = set(self.session.scalars(sa.text(KNOWN_WORDS_SQL), {"words": asked, "common": common_lexemes(self.session)}))
            if self.held is not None:
                self.directory.remember_words({w: w in found for w in asked})
            remembered = {**remembered, **{w: w in found for w in asked}}
        return {w for w in words if remembered[w]}

    def correction(self, word: str, extra: Lexicon) -> str | None:
        """The closest word records use (trigram candidates, then edit distance), else a synonyms word."""
        candidates = self.session.execute(sa.text(
            "SELECT word FROM search_word WHERE word % :w ORDER BY word <-> :w, word LIMIT 20"), {"w": word}).scalars().all()
        limit = max_distance_for(word)
        scored = [(edit_distance(word, c), position, c) for position, c in enumerate(candidates) if c != word]
        close = sorted(s for s in scored if s[0] <= limit)
        return close[0][2] if close else extra.correction(word)
