"""The shortlist sheet, its text-message version (GSM-7, counted) and its short link (/s/<code>)."""

import dataclasses
import doctest
import html as htmllib
import re

import pytest

from assetmap import db
from assetmap.web import create_app, shortcodes, shortlist, sms

from ..factories import make_activity, private_copy


def _ids(client, query="per_page=3"):
    return [i["id"] for i in client.get(f"/api/activities?{query}").get_json()["items"]]


def _textarea(page: str) -> str:
    return htmllib.unescape(re.search(r'<textarea id="sms"[^>]*>(.*?)</textarea>', page, re.S).group(1))


# --- GSM-7 -----------------------------------------------------------------------------------------

def test_docstring_examples_hold():
    for module in (sms, shortcodes):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("text, expected", [
    ("Sale walk · Tuesdays", "Sale walk - Tuesdays"),
    ("“Knit” and ‘natter’ – 10—11am…", '"Knit" and \'natter\' - 10-11am...'),
    ("£2 a session, €1 abroad", "£2 a session, €1 abroad"),
    ("Café Ñandú Åse Ørsted", "Café Ñandu Åse Ørsted"),   # é, Ñ, Å, Ø are GSM-7; ú is not
    ("Zoë’s group 🙂\u00a0ok", "Zoe's group  ok"),
    ("line one\r\nline two\ttab", "line one\nline two tab"),
    ("naïve façade ½ mile", "naive facade 1/2 mile"),
])
def test_to_gsm7_replaces_or_strips_every_character_outside_the_alphabet(text, expected):
    converted = sms.to_gsm7(text)
    assert converted == expected and sms.is_gsm7(converted)


def test_is_gsm7_rejects_the_middle_dot_and_curly_quotes():
    assert not sms.is_gsm7("a · b") and not sms.is_gsm7("“x”") and sms.is_gsm7("£5 @ café [ok]")


@pytest.mark.parametrize("text, characters, messages", [
    ("", 0, 0), ("a", 1, 1), ("a" * 160, 160, 1), ("a" * 161, 161, 2), ("a" * 306, 306, 2), ("a" * 307, 307, 3),
    ("€" * 80, 160, 1),              # an extension character takes two places
    ("€" * 81, 162, 2),
    ("a" * 152 + "€", 154, 1),
])
def test_count_follows_160_then_153_per_part(text, characters, messages):
    assert sms.count(text) == sms.Count(characters, messages)


def test_a_two_place_character_never_straddles_two_parts():
    # 152 plain + "€" would need places 153-154 of part one: it moves to part two.
    text = "a" * 152 + "€" + "b" * 152
    assert sms.count(text) == sms.Count(306, 3)
    assert sms.count("a" * 151 + "€" + "b" * 153) == sms.Count(306, 2)


def test_count_describes_itself_in_plain_english():
    assert sms.count("a" * 100).describe() == "100 characters, 1 text message"
    assert sms.count("a" * 200).describe() == "200 characters, 2 text messages (153 characters each)"


def test_message_has_one_line_per_activity_ring_first_and_the_link():
    text = sms.message([sms.Line("Sale · walk", "Tuesdays, 10am to 11am", "M33 7XW", "0161 000 0000"),
                        sms.Line("Lunch club", None, None, None, ring_first=True)], "https://x.example/s/abcd")
    assert text.splitlines() == ["Sale - walk - Tuesdays, 10am to 11am - M33 7XW - 0161 000 0000",
                                 "Lunch club - Ring before you go", "More: https://x.example/s/abcd"]
    assert sms.is_gsm7(text)


# --- short codes -----------------------------------------------------------------------------------

def test_shortest_unique_start_grows_only_as_far_as_needed():
    assert shortcodes.shortest_unique("abcd1234", ["abcd1234"]) == "abcd"
    assert shortcodes.shortest_unique("abcd1234", ["abcd1299", "abcd1234"]) == "abcd123"
    assert shortcodes.shortest_unique("abcd1234-5", ["abcd1234-6"]) == "abcd1234-5"   # never ends on a dash
    assert shortcodes.shortest_unique("abcd", ["abcd1"]) is None                         # a whole id inside another
    assert shortcodes.shortest_unique("ab:cd/ef", []) is None                            # not URL-safe: no code


@pytest.fixture
def coded(web_settings, tmp_path):
    """A private database with two ids sharing their first six characters."""
    settings = private_copy(web_settings, tmp_path)
    engine = db.make_engine(settings.database_url)
    with db.make_sessionmaker(engine).begin() as session:
        session.add_all([make_activity(id="c0ffee11-aaaa-4aaa-8aaa-000000000001", name="Twin one"),
                         make_activity(id="c0ffee22-aaaa-4aaa-8aaa-000000000002", name="Twin two")])
    engine.dispose()
    app = create_app(settings)
    yield app
    app.extensions["assetmap"]["engine"].dispose()


def test_encode_then_resolve_gives_the_same_list_in_order(coded):
    with coded.app_context():
        from assetmap.web import get_session

        session = get_session()
        ids = ["c0ffee22-aaaa-4aaa-8aaa-000000000002", "c0ffee11-aaaa-4aaa-8aaa-000000000001"]
        code = shortcodes.encode(session, ids)
        assert code == "c0ffee2.c0ffee1"
        assert shortcodes.resolve(session, code) == shortcodes.Resolved(ids, [])


def test_resolve_names_unknown_and_ambiguous_parts_and_opens_the_rest(coded):
    with coded.app_context():
        from assetmap.web import get_session

        found = shortcodes.resolve(get_session(), "c0ffee1.c0ff.ffff9999.x")
    assert found.ids == ["c0ffee11-aaaa-4aaa-8aaa-000000000001"]
    assert len(found.problems) == 3
    assert "more than one" in found.problems[0] and "no longer in the directory" in found.problems[1] and "not a code" in found.problems[2]


def test_short_link_page_shows_the_list_and_a_clear_message(coded):
    client = coded.test_client()
    page = client.get("/s/c0ffee1.c0ff").get_data(as_text=True)
    assert "Twin one" in page and "Twin two" not in page and "matches more than one record" in page


def test_short_link_is_under_60_characters_with_a_base_url(web_settings, client):
    app = create_app(dataclasses.replace(web_settings, base_url="https://assetmap.example.org/"))
    try:
        ids = _ids(app.test_client(), "per_page=4")
        page = app.test_client().get("/shortlist?" + "&".join(f"ids={i}" for i in ids), headers={"Host": "evil.example"}).get_data(as_text=True)
    finally:
        app.extensions["assetmap"]["engine"].dispose()
    link = re.search(r'class="short-link" href="([^"]+)">([^<]+)<', page)
    assert link.group(2).startswith("https://assetmap.example.org/s/") and len(link.group(2)) < 60
    assert "evil.example" not in page and f"This list online: {link.group(2)}" in page   # printed on the sheet
    resolved = client.get(link.group(1)).get_data(as_text=True)
    assert resolved.count('class="sheet-item"') == 4


def test_short_link_is_relative_without_a_base_url(client):
    page = client.get("/shortlist?ids=" + _ids(client, "per_page=1")[0]).get_data(as_text=True)
    assert re.search(r'class="short-link" href="/s/[0-9a-f]{4,}">/s/[0-9a-f]{4,}<', page)


# --- the page --------------------------------------------------------------------------------------

def test_shortlist_page_text_is_gsm7_counted_with_ring_first_and_short_link(client):
    ids = _ids(client, "per_page=20")
    page = client.get("/shortlist?" + "&".join(f"ids={i}" for i in ids)).get_data(as_text=True)
    text = _textarea(page)
    assert sms.is_gsm7(text) and "·" not in text
    counted = sms.count(text)
    assert f'data-characters="{counted.characters}" data-messages="{counted.messages}"' in page
    assert counted.describe() in page
    assert "Befriending phone line" in text and "Ring before you go" in text.split("Befriending phone line", 1)[1].split("\n")[0]
    assert re.search(r"More: /s/[0-9a-f.]+$", text)
    assert "Ring before you go:" in page          # on the printed sheet too


def test_the_text_box_has_enough_rows_for_its_text():
    assert shortlist.text_rows("a" * 56 + "\n" + "b") == 2 + 1 + 1


def test_remove_buttons_work_as_plain_forms(client):
    ids = _ids(client, "per_page=3")
    page = client.get("/shortlist?" + "&".join(f"ids={i}" for i in ids)).get_data(as_text=True)
    form = re.search(rf'<form class="no-print remove-form"[^>]*data-remove="{ids[0]}">(.*?)</form>', page, re.S).group(1)
    assert re.findall(r'name="ids" value="([^"]+)"', form) == ids[1:]
    assert "Remove" in form and "from the shortlist" in form


def test_empty_and_unknown_lists_say_so(client):
    assert "Your shortlist is empty" in client.get("/shortlist").get_data(as_text=True)
    page = client.get("/shortlist?ids=not-a-real-id").get_data(as_text=True)
    assert "Your shortlist is empty" in page and "no longer in the directory" in page


def test_old_endpoint_name_still_builds_the_shortlist_url(app):
    from flask import url_for

    with app.test_request_context():
        assert url_for("public.shortlist", ids="x") == url_for("shortlist.shortlist", ids="x") == "/shortlist?ids=x"
