"""``assetmap demo``: one command from an empty folder to a working directory on screen.

It chains the same steps a user runs by hand (init, boundaries, lookup, ingest, index), so the
demo exercises the real paths rather than a shortcut.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from assetmap import db
from assetmap.config import PROJECT_ROOT, Settings

DEMO_FILES = (("data/demo_activities.csv", "demo-spreadsheet"), ("data/demo_oruk.json", "demo-oruk"))
MANIFEST = PROJECT_ROOT / "boundaries" / "manifest.json"


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["layers"]


def layer_path(layer: dict, settings: Settings) -> Path | None:
    """The layer's file: the shared ONS copy when present, else a copy fetched into the cache."""
    folder = Path(settings.boundaries_dir)
    for candidate in (folder / layer.get("shared_file", ""), folder / layer["file"], PROJECT_ROOT / "boundaries" / "cache" / layer["file"]):
        if candidate.is_file():
            return candidate
    return None


def load_boundary_layers(settings: Settings, sessions, echo: Callable[[str], None]) -> None:
    """Load every polygon layer of the manifest, then the ward lookup (lookups need the wards first)."""
    from assetmap.ingest.boundaries import load_boundaries, load_lookup

    layers = load_manifest()
    missing = [layer["name"] for layer in layers if layer_path(layer, settings) is None]
    if missing:
        raise FileNotFoundError(f"boundary files missing for {', '.join(missing)}: run `assetmap boundaries fetch` (needs internet)")
    with sessions.begin() as session:
        for layer in sorted(layers, key=lambda item: item["kind"] == "lookup"):
            path = layer_path(layer, settings)
            if layer["kind"] == "lookup":
                result = load_lookup(session, path)
                echo(f"Lookup {path.name}: {result.wards_updated} wards given their council and NHS areas")
            else:
                result = load_boundaries(session, path, layer["kind"], layer["vintage"], code_field=layer.get("code_field"), name_field=layer.get("name_field"))
                echo(f"{layer['kind']} {layer['vintage']}: {result.count} areas from {path.name}")


def prepare_demo(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Create the demo database from scratch (schema, boundaries, sample directory, search index)."""
    from assetmap.ingest import ingest_file
    from assetmap.search import build_index

    engine = db.make_engine(settings.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    load_boundary_layers(settings, sessions, echo)
    for relative, source in DEMO_FILES:
        report = ingest_file(settings, sessions, PROJECT_ROOT / relative, source=source)
        echo(f"{relative}: " + ", ".join(f"{k} {v}" for k, v in report.counts.items() if v))
    with sessions() as session:
        echo(f"Search index: {build_index(settings, session)} activities")
    engine.dispose()
