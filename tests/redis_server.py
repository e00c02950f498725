"""A throw-away Redis server for the tests that share rate limits between web servers.

Like ``pg_cluster``: the suite starts its own server on a free loopback port, with no persistence
and a private folder, so nothing outlives the test and no system Redis is touched. Tests may stop
it (to show the site keeps answering) and start it again on the same port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

START_TIMEOUT_S = 10


class RedisServerError(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(port: int) -> bool:
    """True once the server answers PING on its port."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    def __init__(self) -> None:
        self.binary = shutil.which("redis-server", path=f"{os.environ.get('PATH', '')}:/usr/bin:/usr/sbin")
        if not self.binary:
            raise RedisServerError("redis-server not found: apt-get install redis-server (scripts/install.sh test does)")
        self.dir = tempfile.mkdtemp(prefix="assetmap-redis-")
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> str:
        """Start (or start again, empty) on the same port; the URL once it answers."""
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.dir, "--logfile", f"{self.dir}/log", "--protected-mode", "yes"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RedisServerError(f"redis-server did not start on port {self.port}: see {self.dir}/log")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        """Stop the server (the port stays reserved for ``start``); its counts are gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
