"""``boundaries/manifest.json``: the ONS layers the project uses, and where each one's file is.

Only the standard library is used, so the downloader (``ons_portal``) that reads the manifest has
nothing to install.
"""

from __future__ import annotations

import json
from pathlib import Path

from assetmap.config import PROJECT_ROOT, Settings

MANIFEST = PROJECT_ROOT / "boundaries" / "manifest.json"
CACHE = PROJECT_ROOT / "boundaries" / "cache"


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["layers"]


def layer_path(layer: dict, settings: Settings) -> Path | None:
    """The layer's file: the shared ONS copy when present, else a copy fetched into the cache."""
    folder = Path(settings.boundaries_dir)
    for candidate in (folder / layer.get("shared_file", ""), folder / layer["file"], CACHE / layer["file"]):
        if candidate.is_file():
            return candidate
    return None
