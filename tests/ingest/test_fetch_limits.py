"""Safe fetching, against stand-in servers on 127.0.0.1: a feed cannot lead the ingest to other hosts or to
private addresses, hold it past its time budget, fill its memory, or make a truncated read close records."""

import copy
import dataclasses
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assetmap.ingest import run_ingest
from assetmap.ingest.errors import ReadError
from assetmap.ingest.readers import read_rows

PAGE = json.loads((Path(__file__).resolve().parent.parent / "data" / "openactive_page1.json").read_text())


def _page(n: int, last: int) -> bytes:
    """An RPDE page whose items have ids of their own; pages past ``last`` are empty (the feed's end)."""
    items = []
    for item in copy.deepcopy(PAGE["items"]) if n <= last else []:
        item["id"] = f"{item['id']}-{n}"
        item["data"]["name"] += f" {n}"
        items.append(item)
    return json.dumps({"items": items, "next": f"/feed?page={n + 1}"}).encode()


class _Feed(BaseHTTPRequestHandler):
    """Routes by path: ``/feed?page=N``, a redirect, a huge stream, a trickle; ``next_to`` overrides page 2's next link."""

    last = 5
    next_to = ""
    requested: list[str] = []
    sent = 0

    def do_GET(self):  # noqa: N802 (http.server's naming)
        type(self).requested.append(self.path)
        if self.path.startswith("/feed?page="):
            n = int(self.path.split("=")[1])
            body = _page(n, self.last)
            if n == 2 and self.next_to:
                body = json.dumps({"items": json.loads(body)["items"], "next": self.next_to}).encode()
            return self._send(200, body)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", self.next_to)
            self.end_headers()
            return None
        if self.path == "/huge":
            return self._stream(b'{"items": [' + b" " * 65_536, pause=0)
        if self.path == "/trickle":
            return self._stream(b" ", pause=0.05)
        return self._send(404, b"{}")

    def _send(self, status: int, body: bytes):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, chunk: bytes, pause: float):
        """No Content-Length: the body goes on (up to 600 MB) until the client hangs up."""
        self.send_response(200)
        self.end_headers()
        type(self).sent = 0
        try:
            while type(self).sent < 600_000_000:
                self.wfile.write(chunk)
                type(self).sent += len(chunk)
                time.sleep(pause)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def feed(monkeypatch):
    """The stand-in's base URL; loopback allowed (as a test needs), other limits from each test's environment."""
    monkeypatch.setenv("ASSETMAP_FETCH_ALLOW_PRIVATE", "1")
    _Feed.last, _Feed.next_to, _Feed.requested = 5, "", []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_loopback_and_private_addresses_are_refused_unless_allowed(feed, monkeypatch):
    monkeypatch.setenv("ASSETMAP_FETCH_ALLOW_PRIVATE", "0")
    with pytest.raises(ReadError, match=r"127.0.0.1 is a private, loopback or link-local address .*ASSETMAP_FETCH_ALLOW_PRIVATE=1"):
        list(read_rows(f"{feed}/feed?page=1", "openactive"))
    assert _Feed.requested == []
    for address in ("http://169.254.169.254/latest/meta-data", "http://10.0.0.1/feed", "http://[::1]/feed"):
        with pytest.raises(ReadError, match="private, loopback or link-local"):
            list(read_rows(address, "openactive"))


def test_a_name_that_resolves_public_but_connects_private_is_refused(feed, monkeypatch):
    """DNS rebinding: the address is checked again on the connected socket, not only when the name is looked up."""
    from assetmap.ingest import sources

    monkeypatch.setenv("ASSETMAP_FETCH_ALLOW_PRIVATE", "0")
    monkeypatch.setattr(sources, "_refuse_private", lambda url, host, port: None)   # the look-up said "public"
    with pytest.raises(ReadError, match=r"connected to a private, loopback or link-local address \(127.0.0.1\)"):
        list(read_rows(f"{feed}/feed?page=1", "openactive"))
    assert _Feed.requested == []


def test_a_next_link_to_another_host_is_refused_unless_that_host_is_allowed(feed, monkeypatch):
    _Feed.next_to = feed.replace("127.0.0.1", "localhost") + "/feed?page=3"
    with pytest.raises(ReadError, match=r"page=3: leaves the feed's host 127.0.0.1 \(allow it in ASSETMAP_FETCH_ALLOW_HOSTS\)"):
        list(read_rows(f"{feed}/feed?page=1", "openactive"))
    assert _Feed.requested == ["/feed?page=1", "/feed?page=2"]
    monkeypatch.setenv("ASSETMAP_FETCH_ALLOW_HOSTS", "example.org, localhost")
    assert len(list(read_rows(f"{feed}/feed?page=1", "openactive"))) == 10


def test_a_redirect_to_another_host_is_refused(feed):
    _Feed.next_to = feed.replace("127.0.0.1", "localhost") + "/feed?page=1"
    with pytest.raises(ReadError, match="leaves the feed's host 127.0.0.1"):
        list(read_rows(f"{feed}/redirect", "openactive"))
    assert _Feed.requested == ["/redirect"]


def test_a_huge_page_is_cut_off_at_the_byte_cap_not_read_into_memory(feed, monkeypatch):
    monkeypatch.setenv("ASSETMAP_FETCH_MAX_BYTES", "2000000")
    with pytest.raises(ReadError, match=r"/huge: the feed sent more than 2,000,000 bytes \(ASSETMAP_FETCH_MAX_BYTES\)"):
        list(read_rows(f"{feed}/huge", "openactive"))
    time.sleep(0.2)
    assert _Feed.sent < 20_000_000   # the server was stopped long before its 600 MB


def test_a_trickling_server_is_cut_off_at_the_time_limit(feed, monkeypatch):
    monkeypatch.setenv("ASSETMAP_FETCH_TIMEOUT_S", "1")
    began = time.monotonic()
    with pytest.raises(ReadError, match=r"/trickle: the feed took longer than 1 s \(ASSETMAP_FETCH_TIMEOUT_S\)"):
        list(read_rows(f"{feed}/trickle", "openactive"))
    assert time.monotonic() - began < 5


def test_a_feed_cut_at_the_page_cap_warns_and_closes_nothing(feed, session, settings, postcodes, area_index):
    def ingest(**limits):
        configured = dataclasses.replace(settings, fetch_allow_private=True, **limits)
        return run_ingest(f"{feed}/feed?page=1", session, configured, fmt="openactive", source="feed", postcodes=postcodes, area_index=area_index)
    whole = ingest()
    assert whole.counts["read"] == 10 and whole.full_import and not whole.notes
    _Feed.requested = []
    cut = ingest(fetch_max_pages=2)
    assert _Feed.requested == ["/feed?page=1", "/feed?page=2"]
    assert cut.counts["read"] == 4 and cut.counts["closed"] == 0 and not cut.full_import
    assert any("the feed was cut at 2 pages (ASSETMAP_FETCH_MAX_PAGES)" in n and "no records were closed" in n for n in cut.notes)
    assert "[partial import]" in cut.to_text().splitlines()[0]
