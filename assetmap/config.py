"""Every setting assetmap reads, in one documented place.

Settings come from the environment (``DATABASE_URL`` and ``ASSETMAP_*``) so that a run can be
pointed at a throw-away database without touching files. The README's settings table is checked
against ``SETTINGS_HELP`` by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def utc_now() -> dt.datetime:
    """The real clock; tests inject their own through ``Settings.clock``."""
    return dt.datetime.now(dt.UTC)


DEFAULT_CACHE_DIR = Path.home() / ".cache" / "assetmap"


def _default_boundaries_dir() -> str:
    """Use the shared ONS data beside the project when present, else where ``boundaries fetch`` puts files."""
    shared = PROJECT_ROOT.parent / "shared" / "data"
    return str(shared if shared.is_dir() else DEFAULT_CACHE_DIR / "boundaries")


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = dataclasses.field(
        default="sqlite:///assetmap.db",
        metadata={"env": "DATABASE_URL", "help": "SQLAlchemy URL: a SpatiaLite file (default) or postgresql+psycopg://…"},
    )
    index_dir: str = dataclasses.field(
        default="assetmap-index",
        metadata={"env": "ASSETMAP_INDEX_DIR", "help": "Folder holding the Whoosh search index"},
    )
    boundaries_dir: str = dataclasses.field(
        default_factory=_default_boundaries_dir,
        metadata={"env": "ASSETMAP_BOUNDARIES_DIR", "help": "Folder of ONS boundary files (../shared/data when present)"},
    )
    cache_dir: str = dataclasses.field(
        default=str(DEFAULT_CACHE_DIR),
        metadata={"env": "ASSETMAP_CACHE_DIR", "help": "Folder for derived caches, such as the postcode table"},
    )
    boundary_manifest: str = dataclasses.field(
        default=str(PROJECT_ROOT / "boundaries" / "manifest.json"),
        metadata={"env": "ASSETMAP_BOUNDARY_MANIFEST", "help": "The ONS boundary layers `boundaries fetch` downloads and the demo loads"},
    )
    demo_data_dir: str = dataclasses.field(
        default=str(PROJECT_ROOT / "data"),
        metadata={"env": "ASSETMAP_DEMO_DATA_DIR", "help": "Folder holding the demo's sample directory files"},
    )
    secret_key: str = dataclasses.field(
        default="",
        metadata={"env": "SECRET_KEY", "help": "Signs sessions, CSRF tokens and confirm links; required in production, random in development"},
    )
    ageing_after_days: int = dataclasses.field(
        default=180,
        metadata={"env": "ASSETMAP_AGEING_AFTER_DAYS", "help": "Days after the last check when a record is shown as 'check before going'"},
    )
    stale_after_days: int = dataclasses.field(
        default=365,
        metadata={"env": "ASSETMAP_STALE_AFTER_DAYS", "help": "Days after the last check when a record is stale and queued for review"},
    )
    source_stale_days: str = dataclasses.field(
        default="",
        metadata={"env": "ASSETMAP_SOURCE_STALE_DAYS", "help": "Per-source stale limits, e.g. council-feed=90,other=120 (ageing moves in proportion)",
                  "allow_empty": True},
    )
    hide_after_days: int = dataclasses.field(
        default=0,
        metadata={"env": "ASSETMAP_HIDE_AFTER_DAYS", "help": "Days after the last check when a record leaves search results; 0 never hides"},
    )
    https: bool = dataclasses.field(
        default=False,
        metadata={"env": "ASSETMAP_HTTPS", "help": "Set to 1 when the site is served over HTTPS: cookies are then Secure and responses carry HSTS"},
    )
    tile_url: str = dataclasses.field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        metadata={"env": "ASSETMAP_TILE_URL", "help": "Map tile server URL template; empty for no background tiles", "allow_empty": True},
    )
    tile_attribution: str = dataclasses.field(
        default="© OpenStreetMap contributors",
        metadata={"env": "ASSETMAP_TILE_ATTRIBUTION", "help": "Attribution text shown with the tiles"},
    )
    replace_bad_bytes: bool = dataclasses.field(
        default=False,
        metadata={"env": "ASSETMAP_REPLACE_BAD_BYTES", "help": "Read a UTF-8 file with bad bytes, replacing them (flagged), not refusing it"},
    )
    max_word_chars: int = dataclasses.field(
        default=200,
        metadata={"env": "ASSETMAP_MAX_WORD_CHARS", "help": "Letters in one unbroken word of a cell beyond which it is cut (flagged)"},
    )
    max_field_chars: int = dataclasses.field(
        default=20_000,
        metadata={"env": "ASSETMAP_MAX_FIELD_CHARS", "help": "Characters in one cell beyond which it is cut (flagged)"},
    )
    max_file_bytes: int = dataclasses.field(
        default=500_000_000,
        metadata={"env": "ASSETMAP_MAX_FILE_BYTES", "help": "Bytes of one input file beyond which it is refused before reading"},
    )
    max_cell_bytes: int = dataclasses.field(
        default=10_000_000,
        metadata={"env": "ASSETMAP_MAX_CELL_BYTES", "help": "Characters one CSV cell may hold when read; past it the file stops at that row"},
    )
    max_rows: int = dataclasses.field(
        default=1_000_000,
        metadata={"env": "ASSETMAP_MAX_ROWS", "help": "Rows or records read from one file or feed; past it the file stops at that row"},
    )
    max_json_depth: int = dataclasses.field(
        default=64,
        metadata={"env": "ASSETMAP_MAX_JSON_DEPTH", "help": "Levels of nesting one JSON record may have; deeper records stop the read at their line"},
    )
    max_unzipped_bytes: int = dataclasses.field(
        default=1_000_000_000,
        metadata={"env": "ASSETMAP_MAX_UNZIPPED_BYTES", "help": "Bytes a workbook (.xlsx) may unpack to, checked before unpacking (zip bombs)"},
    )
    max_closing_share: float = dataclasses.field(
        default=0.25,
        metadata={"env": "ASSETMAP_MAX_CLOSING_SHARE", "help": "Share of a source's open records a full import may close (else --allow-closing)"},
    )
    closing_guard_from: int = dataclasses.field(
        default=5,
        metadata={"env": "ASSETMAP_CLOSING_GUARD_FROM", "help": "Records a full import may always close; the share guard applies above this"},
    )
    fetch_timeout_s: int = dataclasses.field(
        default=600,
        metadata={"env": "ASSETMAP_FETCH_TIMEOUT_S", "help": "Seconds a feed (all its pages) may take to fetch"},
    )
    fetch_max_bytes: int = dataclasses.field(
        default=100_000_000,
        metadata={"env": "ASSETMAP_FETCH_MAX_BYTES", "help": "Bytes a feed (all its pages) may send"},
    )
    fetch_max_pages: int = dataclasses.field(
        default=2_000,
        metadata={"env": "ASSETMAP_FETCH_MAX_PAGES", "help": "Pages of a feed followed; past it the import is partial (closes nothing)"},
    )
    fetch_allow_hosts: str = dataclasses.field(
        default="",
        metadata={"env": "ASSETMAP_FETCH_ALLOW_HOSTS", "help": "Other hosts a feed's next links and redirects may reach (comma-separated, * for any)",
                  "allow_empty": True},
    )
    fetch_allow_private: bool = dataclasses.field(
        default=False,
        metadata={"env": "ASSETMAP_FETCH_ALLOW_PRIVATE", "help": "Set to 1 to let feeds reach loopback, link-local and private addresses"},
    )
    base_url: str = dataclasses.field(
        default="",
        metadata={"env": "ASSETMAP_BASE_URL",
                  "help": "The site's public address, used to build links in e-mails (never taken from a request); empty: share links are relative"},
    )
    warm_start: bool = dataclasses.field(
        default=True,
        metadata={"env": "ASSETMAP_WARM_START",
                  "help": "Set to 0 not to load postcodes and the area index, nor keep the search index caught up, in the web app's background"},
    )
    confirm_link_days: int = dataclasses.field(
        default=30,
        metadata={"env": "ASSETMAP_CONFIRM_LINK_DAYS", "help": "Days an organiser's confirm link works"},
    )
    report_limit: int = dataclasses.field(
        default=5,
        metadata={"env": "ASSETMAP_REPORT_LIMIT", "help": "Problem reports one address may send per day"},
    )
    mail_from: str = dataclasses.field(
        default="assetmap@localhost",
        metadata={"env": "ASSETMAP_MAIL_FROM", "help": "From address of reminder e-mails"},
    )
    smtp_host: str = dataclasses.field(
        default="",
        metadata={"env": "ASSETMAP_SMTP_HOST", "help": "SMTP server for reminders; empty writes them to --outbox only", "allow_empty": True},
    )
    smtp_port: int = dataclasses.field(
        default=587,
        metadata={"env": "ASSETMAP_SMTP_PORT", "help": "SMTP port (STARTTLS is used when the server offers it)"},
    )
    smtp_user: str = dataclasses.field(
        default="",
        metadata={"env": "ASSETMAP_SMTP_USER", "help": "SMTP user name; empty sends without signing in", "allow_empty": True},
    )
    smtp_password: str = dataclasses.field(
        default="",
        metadata={"env": "ASSETMAP_SMTP_PASSWORD", "help": "SMTP password", "allow_empty": True},
    )
    near_miles: float = dataclasses.field(
        default=3.0,
        metadata={"env": "ASSETMAP_NEAR_MILES", "help": "Distance a search near a place looks within first, in miles; widened when it finds too few"},
    )
    distance_units: str = dataclasses.field(
        default="miles",
        metadata={"env": "ASSETMAP_DISTANCE_UNITS", "help": "Units distances are shown in: miles or km"},
    )
    env: str = dataclasses.field(
        default="production",
        metadata={"env": "ASSETMAP_ENV", "help": "production (default: SECRET_KEY required) or development (a random key is made)"},
    )
    proxy_count: int = dataclasses.field(
        default=0,
        metadata={"env": "ASSETMAP_PROXY_COUNT", "help": "Reverse proxies in front of the web servers whose X-Forwarded-* to trust (0: none)"},
    )
    ratelimit_storage: str = dataclasses.field(
        default="memory://",
        metadata={"env": "ASSETMAP_RATELIMIT_STORAGE",
                  "help": "Where rate-limit and sign-in failure counts live: memory:// (one server) or redis://host:6379 (several, shared)"},
    )
    ratelimit_search: str = dataclasses.field(
        default="300 per minute",
        metadata={"env": "ASSETMAP_RATELIMIT_SEARCH", "help": "Searches (page and API) one address may make, e.g. 300 per minute; empty: no limit",
                  "allow_empty": True},
    )
    ratelimit_export: str = dataclasses.field(
        default="30 per minute",
        metadata={"env": "ASSETMAP_RATELIMIT_EXPORT",
                  "help": "Whole-list exports and coverage tables one address may ask for, e.g. 30 per minute; empty: no limit",
                  "allow_empty": True},
    )
    ratelimit_report: str = dataclasses.field(
        default="20 per hour",
        metadata={"env": "ASSETMAP_RATELIMIT_REPORT", "help": "Report-a-problem forms one address may send, e.g. 20 per hour; empty: no limit",
                  "allow_empty": True},
    )
    ratelimit_login: str = dataclasses.field(
        default="30 per minute",
        metadata={"env": "ASSETMAP_RATELIMIT_LOGIN", "help": "Sign-in attempts one address may make, e.g. 30 per minute; empty: no limit",
                  "allow_empty": True},
    )
    lockout_account: str = dataclasses.field(
        default="5 per 15 minutes",
        metadata={"env": "ASSETMAP_LOCKOUT_ACCOUNT", "help": "Failed sign-ins to one account after which it is locked for the rest of the period"},
    )
    lockout_address: str = dataclasses.field(
        default="20 per 15 minutes",
        metadata={"env": "ASSETMAP_LOCKOUT_ADDRESS", "help": "Failed sign-ins from one address after which it may not sign in for the period"},
    )
    max_request_bytes: int = dataclasses.field(
        default=1_000_000,
        metadata={"env": "ASSETMAP_MAX_REQUEST_BYTES", "help": "Largest request body accepted (413 past it), except spreadsheet uploads"},
    )
    max_upload_bytes: int = dataclasses.field(
        default=50_000_000,
        metadata={"env": "ASSETMAP_MAX_UPLOAD_BYTES", "help": "Largest spreadsheet an admin may upload on /admin/sources (413 past it)"},
    )
    ingest_wait_s: float = dataclasses.field(
        default=10.0,
        metadata={"env": "ASSETMAP_INGEST_WAIT_S", "help": "Seconds an ingest waits for another ingest of the same source to finish before refusing"},
    )
    test_hook: str = dataclasses.field(
        default="",
        metadata={"env": "ASSETMAP_TEST_HOOK", "help": "Test hook for the fault tests (STAGE:pause or STAGE:kill); never set on a live directory",
                  "allow_empty": True},
    )
    coverage_walk_km: float = dataclasses.field(
        default=1.5,
        metadata={"env": "ASSETMAP_COVERAGE_WALK_KM",
                  "help": "Coverage: walking distance in km within which an activity reaches a small area's people"},
    )
    coverage_catchment_km: float = dataclasses.field(
        default=0.0,
        metadata={"env": "ASSETMAP_COVERAGE_CATCHMENT_KM",
                  "help": "Coverage: catchment of the access score (E2SFCA) in km; 0 uses the walking distance"},
    )
    coverage_decay: str = dataclasses.field(
        default="1,0.68,0.22",
        metadata={"env": "ASSETMAP_COVERAGE_DECAY", "help": "Coverage: access weights for equal distance bands across the catchment, nearest first"},
    )
    feed_cache_s: int = dataclasses.field(
        default=30,
        metadata={"env": "ASSETMAP_FEED_CACHE_S", "help": "Seconds the Open Referral UK feed reuses an answer and its published ids (0: never)"},
    )
    feed_contact_email: str = dataclasses.field(
        default="",
        metadata={"env": "ASSETMAP_FEED_CONTACT_EMAIL", "allow_empty": True,
                  "help": "Public e-mail address the Open Referral UK feed gives as each record's assurer (never a person's); empty: left out"},
    )
    map_cache_points: int = dataclasses.field(
        default=100_000,
        metadata={"env": "ASSETMAP_MAP_CACHE_POINTS",
                  "help": "Map points each web process keeps ready to send (about 450 bytes each; 0: none kept)"},
    )
    clock: Callable[[], dt.datetime] = dataclasses.field(
        default=utc_now,
        metadata={"help": "Function giving the current time; tests inject a fixed one"},
    )

    def today(self) -> dt.date:
        return self.clock().date()


SETTINGS_HELP = {
    f.metadata["env"]: f.metadata["help"] for f in dataclasses.fields(Settings) if "env" in f.metadata
}


def _typed(kind: str, value: str):
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return value.strip().lower() in ("1", "true", "yes", "on")
    return value


def load_settings(environ: Mapping[str, str], **overrides) -> Settings:
    """Build Settings from environment variables, then apply explicit overrides."""
    values = {}
    for field in dataclasses.fields(Settings):
        value = environ.get(field.metadata.get("env", ""))
        if value or (value == "" and field.metadata.get("allow_empty")):
            values[field.name] = _typed(field.type, value)
    values.update(overrides)
    return Settings(**values)
