"""A throw-away PostgreSQL + PostGIS cluster for the tests, run as the postgres user.

root may not run the server, and nothing outlives a test run, so the suite starts its own cluster
in a private folder on a free loopback port with trust authentication, and stops it afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time


class ClusterError(RuntimeError):
    pass


def _bin_dir() -> str:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise ClusterError("PostgreSQL server not found: apt-get install postgresql postgresql-15-postgis-3")
    return os.path.dirname(found[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(args: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


class PostgisCluster:
    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.dir = tempfile.mkdtemp(prefix="assetmap-pg-")
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")

    def run(self, *args: str) -> None:
        result = subprocess.run(_as_postgres(list(args)), capture_output=True, text=True)
        if result.returncode:
            raise ClusterError(f"{' '.join(args)} failed: {result.stderr.strip() or result.stdout.strip()}")

    def start(self) -> str:
        self.run(f"{self.bin}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run(f"{self.bin}/pg_ctl", "-D", self.data, "-o", options, "-l", f"{self.dir}/log", "-w", "start")
        self.run(f"{self.bin}/createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "assetmap_test")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/assetmap_test"

    def stop(self) -> None:
        try:
            self.run(f"{self.bin}/pg_ctl", "-D", self.data, "-m", "immediate", "stop")
        finally:
            time.sleep(0.1)
            shutil.rmtree(self.dir, ignore_errors=True)
