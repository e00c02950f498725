"""``boundaries/manifest.json``: the ONS layers the project uses, and where each one's file is.

Only the standard library is used, so the downloader (``ons_portal``) that reads the manifest has
nothing to install.
"""

from __future__ import annotations

import json
from pathlib import Path

from assetmap.config import Settings


def fetched_dir(settings: Settings) -> Path:
    """Where ``assetmap boundaries fetch`` writes the layers it downloads (a derived cache)."""
    return Path(settings.cache_dir) / "boundaries"


def load_manifest(settings: Settings) -> list[dict]:
    return json.loads(Path(settings.boundary_manifest).read_text(encoding="utf-8"))["layers"]


def layer_path(layer: dict, settings: Settings) -> Path | None:
    """The layer's file: the shared ONS copy when present, else a copy fetched into the cache."""
    folder = Path(settings.boundaries_dir)
    for candidate in (folder / layer.get("shared_file", ""), folder / layer["file"], fetched_dir(settings) / layer["file"]):
        if candidate.is_file():
            return candidate
    return None
