"""A SIGKILLed ingest leaves no index-writer process behind: the writer and Whoosh's sub-writers die with it."""

import json
import os
import select
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                                reason="parent-death signals are Linux's; sub-writers need two cores")

# The "ingest": an IndexFeed started on an empty index and fed enough documents for Whoosh to fork its
# sub-writers; it prints the pids of its writer processes, then waits to be killed.
INGEST = r'''
import json, os, sys, time, types
from whoosh import index as whoosh_index
from assetmap.config import Settings
from assetmap.search.background import IndexFeed
from assetmap.search.schema import INDEX_NAME, SOURCE_COLUMNS, make_schema

index_dir = sys.argv[1]
whoosh_index.create_in(index_dir, make_schema(), indexname=INDEX_NAME)
session = types.SimpleNamespace(get_bind=lambda: types.SimpleNamespace(dialect=types.SimpleNamespace(name="sqlite")))
feed = IndexFeed(Settings(index_dir=index_dir))
assert feed.start(session, 10**6)
row = ["", "Walking group", "A gentle walk", ["walking"], [], [], "", None, "", None, [], "active", None, None,
       53.4, -2.3, None, None, [], None, "hash", None]   # SOURCE_COLUMNS, in order (capacity last)
assert len(row) == len(SOURCE_COLUMNS)
feed._jobs.put(("index", [tuple([f"id-{i}", *row[1:], None, None]) for i in range(2_000)]))

def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []

writer = feed._process.pid
deadline = time.monotonic() + 20
while time.monotonic() < deadline and not children(writer):
    time.sleep(0.05)
print(json.dumps([writer, *children(writer)]), flush=True)
time.sleep(600)
'''


def _is_running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"   # a zombie has died, only not yet been reaped
    except OSError:
        return False


def test_killing_the_ingest_kills_its_index_writers(tmp_path):
    ingest = subprocess.Popen([sys.executable, "-c", INGEST, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    pids: list[int] = []
    try:
        ready, _, _ = select.select([ingest.stdout], [], [], 60)
        assert ready, "the ingest never started its writer"
        pids = json.loads(ingest.stdout.readline())
        assert len(pids) >= 2 and all(_is_running(p) for p in pids)   # the writer and at least one Whoosh sub-writer
        ingest.send_signal(signal.SIGKILL)
        ingest.wait(timeout=10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_is_running(p) for p in pids):
            time.sleep(0.05)
        survivors = [p for p in pids if _is_running(p)]
        assert survivors == []
    finally:
        if ingest.poll() is None:
            ingest.kill()
            ingest.wait(timeout=10)
        for pid in filter(_is_running, pids):   # a failed run must not leave them behind either
            os.kill(pid, signal.SIGKILL)
