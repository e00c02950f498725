"""An ingest yields the processor: its own process, and the PostgreSQL server processes doing its work on this machine."""

from __future__ import annotations

import os

import pytest

from assetmap import db
from assetmap.ingest.running import NICENESS, nice_local_database


@pytest.mark.postgis
def test_the_database_server_processes_of_an_ingest_are_niced_where_this_process_may(postgis_url):
    engine, web = db.make_engine(postgis_url), db.make_engine(postgis_url)
    try:
        nice_local_database(engine)
        with engine.connect() as conn:
            niceness = os.getpriority(os.PRIO_PROCESS, conn.connection.dbapi_connection.info.backend_pid)
        with web.connect() as other:   # a web server's connection is left as it was
            untouched = os.getpriority(os.PRIO_PROCESS, other.connection.dbapi_connection.info.backend_pid)
    finally:
        engine.dispose()
        web.dispose()
    if os.geteuid() == 0:   # root (CI, this machine) may renice the postgres user's processes
        assert niceness >= NICENESS and untouched < NICENESS
    else:
        assert niceness == untouched
