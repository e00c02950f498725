"""Gzip for JSON and the map's GeoJSON: only when asked for, streamed answers still streamed, the bytes unchanged."""

import gzip

from assetmap.web.compress import gzip_chunks


def test_geojson_is_gzipped_for_a_browser_that_accepts_it(client):
    plain = client.get("/api/activities.geojson?compact=1")
    packed = client.get("/api/activities.geojson?compact=1", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data() and plain.get_json()["features"]


def test_small_json_and_pages_are_left_alone(client):
    assert "Content-Encoding" not in client.get("/api/activities?per_page=1", headers={"Accept-Encoding": "gzip"}).headers
    assert "Content-Encoding" not in client.get("/", headers={"Accept-Encoding": "gzip"}).headers


def test_gzip_chunks_round_trip_and_close_their_source():
    closed = []

    def source():
        try:
            yield b'{"a": '
            yield "1}"
        finally:
            closed.append(True)

    assert gzip.decompress(b"".join(gzip_chunks(source()))) == b'{"a": 1}' and closed == [True]
