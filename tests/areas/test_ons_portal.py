"""The downloader against a local stand-in for the ONS ArcGIS server, serving real ONS files in pages."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assetmap.areas import ons_portal
from assetmap.areas.manifest import load_manifest

STP_LAYER = {"name": "stps-2021-04", "kind": "stp", "vintage": "2021-04", "service": "unused", "file": "stp.geojson"}


class StandIn(BaseHTTPRequestHandler):
    """Serves ``/<layer>/FeatureServer/0/query`` pages cut from one real file; ``/broken/…`` fails."""

    features: list = []
    requests: list = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urllib.parse.urlparse(self.path)
        StandIn.requests.append(self.path)
        if url.path.startswith("/broken/"):
            self.send_error(500, "boom")
            return
        query = urllib.parse.parse_qs(url.query)
        offset, size = int(query["resultOffset"][0]), int(query["resultRecordCount"][0])
        page = self.features[offset:offset + size]
        body = {"type": "FeatureCollection", "features": page, "properties": {"exceededTransferLimit": offset + size < len(self.features)}}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/geo+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def stand_in(shared_data):
    StandIn.features = json.loads((shared_data / "boundaries/stp_apr2021_en_buc.geojson").read_text())["features"]
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_pages_are_followed_and_merged_with_codes_intact(stand_in, tmp_path):
    StandIn.requests.clear()
    path = ons_portal.fetch_layer(STP_LAYER, tmp_path, base_url=stand_in, page_size=10)
    features = json.loads(path.read_text())["features"]
    assert len(features) == 42 and len({f["properties"]["STP21CD"] for f in features}) == 42
    assert len(StandIn.requests) == 5 and "outSR=4326" in StandIn.requests[0]


def test_cached_layer_is_not_downloaded_again(stand_in, tmp_path):
    ons_portal.fetch_layer(STP_LAYER, tmp_path, base_url=stand_in, page_size=50)
    StandIn.requests.clear()
    ons_portal.fetch_layer(STP_LAYER, tmp_path, base_url=stand_in, page_size=50)
    assert StandIn.requests == []


def test_server_error_names_the_layer_and_url(stand_in, tmp_path):
    layer = dict(STP_LAYER, name="broken")
    with pytest.raises(ons_portal.FetchError, match=r"could not download layer broken from http://127\.0\.0\.1:\d+/broken/"):
        ons_portal.fetch_layer(layer, tmp_path, base_url=stand_in)
    assert not (tmp_path / "stp.geojson").exists()


def test_manifest_names_every_kind_the_core_needs(settings):
    layers = load_manifest(settings)
    assert {layer["kind"] for layer in layers} >= {"ward", "lad", "stp", "icb", "lookup"}
    assert all(layer["service"].startswith("https://") and layer["file"] for layer in layers)
