"""Where input bytes come from: a file or a URL, as text; every failure a ReadError naming it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from assetmap.ingest.errors import ReadError
from assetmap.ingest.jsondoc import ENVELOPE_KEYS, json_records

HTTP_TIMEOUT_S = 30


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without a BOM), else Windows-1252 as Excel writes it."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ReadError(f"{path}: cannot read ({exc.strerror or exc})") from exc


def fetch_text(url: str) -> str:
    """GET a URL as text; any failure is a ReadError naming the URL."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "assetmap-ingest"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            return decode_text(response.read())
    except urllib.error.HTTPError as exc:
        raise ReadError(f"{url}: the server answered {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ReadError(f"{url}: could not fetch ({getattr(exc, 'reason', exc)})") from exc


def json_page(url: str, keys: tuple[str, ...] = ENVELOPE_KEYS):
    try:
        return json_records(fetch_text(url), keys)
    except ReadError as exc:
        raise ReadError(str(exc) if str(exc).startswith(url) else f"{url}: {exc}") from exc


def fetch_json(url: str) -> Any:
    try:
        return json.loads(fetch_text(url))
    except json.JSONDecodeError as exc:
        raise ReadError(f"{url}: not JSON ({exc})") from exc
