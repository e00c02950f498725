"""``assetmap demo``: one command from an empty folder to a working directory on screen.

It chains the same steps a user runs by hand (init, boundaries, lookup, ingest, index), so the
demo exercises the real paths rather than a shortcut.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assetmap import db
from assetmap.config import Settings

DEMO_FILES = (("demo_activities.csv", "demo-spreadsheet"), ("demo_oruk.json", "demo-oruk"))


def prepare_demo(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Create the demo database from scratch (schema, boundaries, sample directory, search index)."""
    from assetmap.areas.boundaries import load_boundary_layers
    from assetmap.ingest import ingest_file
    from assetmap.search import build_index

    engine = db.make_engine(settings.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    load_boundary_layers(settings, sessions, echo)
    for name, source in DEMO_FILES:
        report = ingest_file(settings, sessions, Path(settings.demo_data_dir) / name, source=source)
        echo(f"{name}: " + ", ".join(f"{k} {v}" for k, v in report.counts.items() if v))
    with sessions() as session:
        echo(f"Search index: {build_index(settings, session)} activities")
    engine.dispose()
