"""The activity page and the API say where each fact came from, naming sources but never a person."""

import datetime as dt

import sqlalchemy as sa

from assetmap import changes, db
from assetmap.changes import Provenance
from assetmap.models import Activity
from assetmap.web.present import provenance_json, provenance_lines

from ..factories import make_activity

SHEET = Provenance("source:Trafford CVS spreadsheet", dt.datetime(2026, 10, 3, 9, tzinfo=dt.UTC), 7)
EDITOR = Provenance("editor:jo@council.example", dt.datetime(2026, 10, 4, 15, tzinfo=dt.UTC))


def test_lines_name_the_source_for_most_details_and_the_editor_by_role():
    activity = make_activity(phone="0161 999 9999", schedule_text="Tuesdays 10am", cost_text="Free")
    found = {"name": SHEET, "description": SHEET, "cost_text": SHEET, "schedule_text": EDITOR, "phone": EDITOR, "lat": SHEET}
    assert provenance_lines(found, activity) == [
        "Most details from Trafford CVS spreadsheet, 3 Oct 2026",
        "Times and phone number corrected by an editor, 4 Oct 2026",
    ]


def test_a_record_from_one_source_says_so_in_one_line():
    assert provenance_lines({"name": SHEET, "description": SHEET}, make_activity()) == ["Details from Trafford CVS spreadsheet, 3 Oct 2026"]


def test_json_never_carries_a_persons_address():
    found = {"phone": EDITOR, "name": SHEET, "ward_code": SHEET}
    assert provenance_json(found, make_activity()) == {
        "phone": {"by": "editor", "name": "an editor", "date": "2026-10-04"},
        "name": {"by": "source", "name": "Trafford CVS spreadsheet", "date": "2026-10-03"},
    }


def test_an_edit_through_the_write_path_shows_on_the_page_and_in_the_api(web_settings, client):
    engine = db.make_engine(web_settings.database_url)
    sessions = db.make_sessionmaker(engine)
    with sessions() as session:
        lunch = session.scalars(sa.select(Activity).where(Activity.name == "Paused lunch club")).one()
    with changes.writing(web_settings, sessions, changes.editor_actor("jo@council.example")) as tx:
        tx.edit_activity(lunch.id, {"phone": "0161 123 4567"})
    engine.dispose()

    data = client.get(f"/api/activities/{lunch.id}").get_json()
    assert data["phone"] == "0161 123 4567"
    assert data["provenance"]["phone"] == {"by": "editor", "name": "an editor", "date": web_settings.today().isoformat()}
    page = client.get(f"/activities/{lunch.id}").get_data(as_text=True)
    assert "Where this information comes from" in page and "Phone number corrected by an editor" in page
    assert "jo@council.example" not in page and "jo@council.example" not in str(data)


def test_the_page_says_how_exactly_an_activity_is_placed(client):
    data = client.get("/api/activities?q=singing").get_json()
    page = client.get(data["items"][0]["url"]).get_data(as_text=True)
    assert "On the map at the postcode&#39;s centre." in page or "On the map at the postcode's centre." in page
