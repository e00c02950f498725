"""Where input bytes come from: a file or a URL, as text; every failure a ReadError naming it.

Two guards live here, because every byte passes through this module:

- **Decoding is decided, never guessed into garbage.** A BOM decides (UTF-8, UTF-16 LE/BE: Excel's
  "Unicode text"); else UTF-8 strictly; else Windows-1252, but only for a file that holds no valid
  UTF-8 sequence at all (a UTF-8 file with one bad byte read as Windows-1252 would turn every "é"
  into "Ã©"). Anything else is refused with the line and byte offset of the first bad byte, unless
  ``ASSETMAP_REPLACE_BAD_BYTES`` allows replacing them.
- **Fetching is bounded.** One ``Intake`` per run holds the feed's limits: an overall time and byte
  budget (pages read in chunks), a page cap (past it the run is partial), and where links may go
  (the feed's own host, never loopback/private addresses unless a setting allows them).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import http.client
import ipaddress
import json
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from assetmap.config import Settings, load_settings
from assetmap.ingest.bounds import ReadLimits, too_deep
from assetmap.ingest.errors import ReadError
from assetmap.ingest.jsondoc import ENVELOPE_KEYS, json_records

HTTP_TIMEOUT_S = 30
CHUNK = 65_536
BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
FALLBACK = "cp1252"
UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


# --- decoding -----------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    replaced: int = 0   # bad bytes replaced by U+FFFD (only when the setting allows it)


def decode_bytes(data: bytes, name: str = "input", replace_bad_bytes: bool = False) -> Decoded:
    """The text of a file, with the encoding it was read in; ReadError naming the first bad byte when none fits."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom):], encoding.removesuffix("-sig"), name, len(bom), replace_bad_bytes)
    utf16 = _bomless_utf16(data)
    if utf16:
        return _strict(data, utf16, name, 0, replace_bad_bytes)
    _refuse_binary(data, name)
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as error:
        first_bad = error.start
    if not UTF8_SEQUENCE.search(data):
        with contextlib.suppress(UnicodeDecodeError):
            return Decoded(data.decode(FALLBACK), FALLBACK)
    if replace_bad_bytes:
        text = data.decode("utf-8", errors="replace")
        return Decoded(text, "utf-8", text.count("\ufffd") - data.decode("utf-8", "ignore").count("\ufffd"))
    raise ReadError(_bad_byte_message(data, name, first_bad, "utf-8"))


BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (an Excel workbook is one: use --format xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (save it as .xlsx or CSV)"),
    (b"\x1f\x8b", "a gzip archive (unpack it first)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"SQLite format 3", "an SQLite database"),
)


def _refuse_binary(data: bytes, name: str) -> None:
    """A file that is not text at all is refused by what it is, rather than read as Windows-1252 garbage."""
    for signature, what in BINARY_SIGNATURES:
        if data.startswith(signature):
            raise ReadError(f"{name}: this is {what}, not a text file")
    head = data[:4096]
    if head and head.count(0) > len(head) // 10:
        raise ReadError(f"{name}: this holds binary data (many NUL bytes), not text")


def _strict(data: bytes, encoding: str, name: str, skipped: int, replace_bad_bytes: bool) -> Decoded:
    try:
        return Decoded(data.decode(encoding), encoding)
    except UnicodeDecodeError as error:
        if replace_bad_bytes:
            text = data.decode(encoding, errors="replace")
            return Decoded(text, encoding, text.count("\ufffd"))
        raise ReadError(_bad_byte_message(data, name, error.start, encoding, skipped)) from error


def _bomless_utf16(data: bytes) -> str:
    """UTF-16 saved without a BOM shows as every other byte NUL in ASCII-heavy text."""
    head = data[:4096]
    if len(head) < 8 or head.count(0) < len(head) // 3:
        return ""
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if odd > 0.4 * len(head) / 2 and even < odd / 4:
        return "utf-16-le"
    if even > 0.4 * len(head) / 2 and odd < even / 4:
        return "utf-16-be"
    return ""


def _bad_byte_message(data: bytes, name: str, offset: int, encoding: str, skipped: int = 0) -> str:
    newline = "\n".encode(encoding) if encoding.startswith("utf-16") else b"\n"
    line = data[:offset].count(newline) + 1
    return (f"{name}: line {line}, byte {offset + skipped} (0x{data[offset]:02x}) is not valid {encoding.upper()}; "
            "save the file as UTF-8 (Excel: CSV UTF-8), or set ASSETMAP_REPLACE_BAD_BYTES=1 to replace bad bytes")


def decode_text(data: bytes, name: str = "input") -> str:
    """A file's text as ``decode_bytes`` decides it, the encoding noted in the run's Intake."""
    intake = current_intake()
    decoded = decode_bytes(data, name, intake.settings.replace_bad_bytes)
    intake.note_encoding(name, decoded)
    return decoded.text


def read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ReadError(f"{path}: cannot read ({exc.strerror or exc})") from exc


# --- the run's intake: limits and what was noticed ----------------------------------------------

class Intake:
    """One run's reading: the fetch limits from settings, and what the report must say (encodings, truncation)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.encodings: dict[str, str] = {}
        self.replaced: dict[str, int] = {}
        self.truncated = ""
        self.feed_host = ""
        self.pages = 0
        self.received = 0
        self.deadline = 0.0
        handlers = [_CheckedRedirects(self)]
        if not settings.fetch_allow_private:
            handlers += [_PublicHTTPHandler(), _PublicHTTPSHandler()]
        self._opener = urllib.request.build_opener(*handlers)

    def note_encoding(self, name: str, decoded: Decoded) -> None:
        self.encodings[name] = decoded.encoding
        if decoded.replaced:
            self.replaced[name] = decoded.replaced

    def next_page(self, url: str) -> bool:
        """Count one more page of a feed; False (and the run noted as truncated) past the page cap."""
        if self.pages >= self.settings.fetch_max_pages:
            self.truncated = (f"the feed was cut at {self.pages} pages (ASSETMAP_FETCH_MAX_PAGES) before {url}: "
                              "the import is partial, so no records were closed")
            return False
        self.pages += 1
        return True

    def check_url(self, url: str) -> None:
        """Refuse a URL that leaves the feed's host or reaches a loopback, link-local or private address."""
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host:
            raise ReadError(f"{url}: only http and https addresses are fetched")
        self.feed_host = self.feed_host or host
        if host != self.feed_host and not self._host_allowed(host):
            raise ReadError(f"{url}: leaves the feed's host {self.feed_host} (allow it in ASSETMAP_FETCH_ALLOW_HOSTS)")
        if not self.settings.fetch_allow_private:
            _refuse_private(url, host, parts.port or (443 if parts.scheme == "https" else 80))

    def _host_allowed(self, host: str) -> bool:
        allowed = {h.strip().lower() for h in self.settings.fetch_allow_hosts.split(",") if h.strip()}
        return "*" in allowed or host in allowed

    def fetch(self, url: str) -> bytes:
        """GET a URL within the run's time and byte budget, read in chunks."""
        self.check_url(url)
        self.deadline = self.deadline or time.monotonic() + self.settings.fetch_timeout_s
        request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "assetmap-ingest"})
        with self._opener.open(request, timeout=self._timeout(url)) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and self.received + int(length) > self.settings.fetch_max_bytes:
                raise ReadError(self._too_big(url))
            return b"".join(self._chunks(url, response))

    def _chunks(self, url: str, response) -> Iterator[bytes]:
        while chunk := response.read1(CHUNK):
            self.received += len(chunk)
            if self.received > self.settings.fetch_max_bytes:
                raise ReadError(self._too_big(url))
            self._timeout(url)
            yield chunk

    def _timeout(self, url: str) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise ReadError(f"{url}: the feed took longer than {self.settings.fetch_timeout_s} s (ASSETMAP_FETCH_TIMEOUT_S)")
        return min(HTTP_TIMEOUT_S, left)

    def _too_big(self, url: str) -> str:
        return f"{url}: the feed sent more than {self.settings.fetch_max_bytes:,} bytes (ASSETMAP_FETCH_MAX_BYTES)"


def _refuse_private(url: str, host: str, port: int) -> None:
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)}
    except OSError as exc:
        raise ReadError(f"{url}: could not fetch ({exc})") from exc
    for address in addresses:
        if _is_private(address):
            raise ReadError(f"{url}: {host} is a private, loopback or link-local address ({address}); "
                            "feeds may not reach those unless ASSETMAP_FETCH_ALLOW_PRIVATE=1")


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    ip = getattr(ip, "ipv4_mapped", None) or ip
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified


def _check_peer(connection: http.client.HTTPConnection) -> None:
    """Checked again on the connected socket: a name that resolved to a public address a moment ago
    (DNS rebinding) must not reach a private one now. Behind a proxy the peer is the proxy, so skipped."""
    if connection._tunnel_host is None and _is_private(connection.sock.getpeername()[0]):
        peer = connection.sock.getpeername()[0]
        connection.close()
        raise ReadError(f"{connection.host}: connected to a private, loopback or link-local address ({peer}); "
                        "feeds may not reach those unless ASSETMAP_FETCH_ALLOW_PRIVATE=1")


class _PublicHTTPConnection(http.client.HTTPConnection):
    def connect(self):
        super().connect()
        _check_peer(self)


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def connect(self):
        super().connect()
        _check_peer(self)


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        options = {"check_hostname": self._check_hostname} if hasattr(self, "_check_hostname") else {}
        return self.do_open(_PublicHTTPSConnection, req, context=self._context, **options)


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects obey the same rules as the links they came from."""

    def __init__(self, intake: Intake):
        self.intake = intake

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.intake.check_url(urllib.parse.urljoin(req.full_url, newurl))
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_CURRENT: contextvars.ContextVar[Intake | None] = contextvars.ContextVar("assetmap_intake", default=None)


def current_intake() -> Intake:
    """The run's Intake, or outside a run (a reader called on its own) a fresh one from the environment."""
    return _CURRENT.get() or Intake(load_settings(os.environ))


def current_limits() -> ReadLimits:
    """The running ingest's read limits (its Intake's settings; ``bounds`` says what each guards)."""
    return ReadLimits.from_settings(current_intake().settings)


@contextlib.contextmanager
def reading(intake: Intake) -> Iterator[Intake]:
    """Make ``intake`` the run's current one until the block ends (readers called inside use its limits)."""
    token = _CURRENT.set(intake)
    try:
        yield intake
    finally:
        _CURRENT.reset(token)


# --- fetching -----------------------------------------------------------------------------------

def fetch_text(url: str, intake: Intake | None = None) -> str:
    """GET a URL as text within ``intake``'s limits (one feed's pages share one); any failure is a ReadError naming the URL."""
    intake = intake or current_intake()
    try:
        decoded = decode_bytes(intake.fetch(url), url, intake.settings.replace_bad_bytes)
    except urllib.error.HTTPError as exc:
        raise ReadError(f"{url}: the server answered {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ReadError(f"{url}: could not fetch ({getattr(exc, 'reason', exc)})") from exc
    intake.note_encoding(url, decoded)
    return decoded.text


def json_page(url: str, keys: tuple[str, ...] = ENVELOPE_KEYS, intake: Intake | None = None):
    try:
        intake = intake or current_intake()
        return json_records(fetch_text(url, intake), keys, intake.settings.max_json_depth)
    except ReadError as exc:
        raise ReadError(str(exc) if str(exc).startswith(url) else f"{url}: {exc}") from exc


def fetch_json(url: str, intake: Intake | None = None) -> Any:
    intake = intake or current_intake()
    try:
        document = json.loads(fetch_text(url, intake))
    except json.JSONDecodeError as exc:
        raise ReadError(f"{url}: not JSON ({exc})") from exc
    except RecursionError as exc:
        raise ReadError(f"{url}: nested so deep it cannot be read (the limit is ASSETMAP_MAX_JSON_DEPTH)") from exc
    if too_deep(document, intake.settings.max_json_depth + 1):
        raise ReadError(f"{url}: nested more than {intake.settings.max_json_depth} levels deep (the limit is ASSETMAP_MAX_JSON_DEPTH)")
    return document
