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
        metadata={"env": "SECRET_KEY", "help": "Signs sessions and CSRF tokens; a random one is made when empty"},
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
        metadata={"env": "ASSETMAP_HTTPS", "help": "Set to 1 when the site is served over HTTPS: session cookies are then Secure"},
    )
    tile_url: str = dataclasses.field(
        default="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        metadata={"env": "ASSETMAP_TILE_URL", "help": "Map tile server URL template; empty for no background tiles", "allow_empty": True},
    )
    tile_attribution: str = dataclasses.field(
        default="© OpenStreetMap contributors",
        metadata={"env": "ASSETMAP_TILE_ATTRIBUTION", "help": "Attribution text shown with the tiles"},
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
