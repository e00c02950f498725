"""JSON answers written by orjson are the document Flask's own writer makes: same keys, order and values."""

import dataclasses
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from assetmap.web.json_provider import OrjsonProvider


@dataclasses.dataclass
class Point:
    lat: float
    lon: float


def _answers(value):
    """The body Flask's writer and the orjson writer give for ``value``."""
    app = Flask(__name__)
    flask_body = DefaultJSONProvider(app).response(value).get_data()
    ours = OrjsonProvider(app).response(value)
    assert ours.mimetype == "application/json"
    return flask_body, ours.get_data()


DOCUMENT = {"zeta": 1, "alpha": [1.5, None, True, "Checked — worth ringing", "<b>&</b>"], "near": Point(53.4, -2.3),
            "when": dt.datetime(2026, 10, 3, 9, 30, tzinfo=dt.UTC), "day": dt.date(2026, 10, 3), "id": uuid.UUID(int=7),
            "price": Decimal("2.50"), "html": Markup("<i>x</i>"), "nested": {"b": {"d": 0, "c": -1}, "a": []}}


def test_the_same_document_keys_in_the_same_order():
    flask_body, ours = _answers(DOCUMENT)
    assert json.loads(ours) == json.loads(flask_body)
    assert list(json.loads(ours)) == sorted(DOCUMENT)                      # sorted as Flask sorts them
    assert json.loads(ours)["when"] == "Sat, 03 Oct 2026 09:30:00 GMT"     # dates as HTTP dates, as Flask writes them
    assert "—".encode() in ours and ours.endswith(b"\n")                   # UTF-8, not \u escapes; a newline at the end as before


@pytest.mark.parametrize("value", [{1: "a", 2: "b"}, {"big": 2 ** 70}, [1, {"x": {10: 1, 9: 2}}]])
def test_what_orjson_would_write_differently_is_left_to_flask(value):
    flask_body, ours = _answers(value)
    assert ours == flask_body


def test_the_app_answers_with_it(client):
    response = client.get("/api/activities?q=walk")
    assert isinstance(client.application.json, OrjsonProvider)
    assert response.status_code == 200 and response.get_json()["items"]
