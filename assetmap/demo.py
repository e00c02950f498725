"""``assetmap demo``: one command from an empty folder to a working directory on screen.

It chains the same steps a user runs by hand (init, boundaries, lookup, ingest, index), so the
demo exercises the real paths rather than a shortcut.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assetmap import db
from assetmap.config import Settings

# (file or folder under settings.demo_data_dir, source name): a spreadsheet, an ORUK feed, and a
# directory kept as linked tables (services naming their venues and organisations), joined by name.
DEMO_FILES = (("demo_activities.csv", "demo-spreadsheet"), ("demo_oruk.json", "demo-oruk"), ("demo_linked", "demo-linked"))
# Population and deprivation for /coverage: the ONS and MHCLG files beside the boundaries (README "Data and licences").
DEMO_STATS = ("boundaries/lsoa_dec2021_en_bsc.geojson", "stats/imd2025_lsoa21_en.csv", "stats/population_mid2020_lsoa11_en.csv",
              "lookups/lsoa11_lsoa21_lad22_ew.csv")
# Demo only: documented in the README so anyone can try the editor pages on their own machine.
DEMO_ACCOUNTS = (("editor@demo.example", "demo-editor-password", "editor"), ("admin@demo.example", "demo-admin-password", "admin"))


def prepare_demo(settings: Settings, echo: Callable[[str], None] = print) -> None:
    """Create the demo database from scratch (schema, boundaries, sample directory, search index)."""
    from assetmap.areas.boundaries import load_boundary_layers
    from assetmap.ingest import ingest_file
    from assetmap.search import build_index

    engine = db.make_engine(settings.database_url)
    db.create_schema(engine)
    sessions = db.make_sessionmaker(engine)
    load_boundary_layers(settings, sessions, echo)
    load_demo_stats(settings, sessions, echo)
    for name, source in DEMO_FILES:
        report = ingest_file(settings, sessions, Path(settings.demo_data_dir) / name, source=source)
        echo(f"{name}: " + ", ".join(f"{k} {v}" for k, v in report.counts.items() if v))
    add_demo_accounts(settings, sessions, echo)
    add_demo_checks(settings, sessions)
    with sessions() as session:
        echo(f"Search index: {build_index(settings, session)} activities")
    engine.dispose()


def load_demo_stats(settings: Settings, sessions, echo: Callable[[str], None] = print) -> None:
    """Small areas, their population and deprivation, so the coverage pages have need to weigh provision against.

    The same files `assetmap stats load` takes; without them the demo still runs and /coverage shows counts only.
    """
    from assetmap.coverage.stats import load_file

    paths = [Path(settings.boundaries_dir) / name for name in DEMO_STATS]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        echo(f"Coverage statistics: {', '.join(missing)} not found in {settings.boundaries_dir}; /coverage will show counts without population")
        return
    for path in paths:
        with sessions.begin() as session:
            echo(f"{path.name}: {load_file(session, path)}")


def add_demo_accounts(settings: Settings, sessions, echo: Callable[[str], None] = print) -> None:
    """The two demo-only accounts the README lists (never use these passwords on a real directory)."""
    from assetmap import users

    with sessions.begin() as session:
        for email, password, role in DEMO_ACCOUNTS:
            if users.find_user(session, email) is None:
                users.add_user(session, email, password, role, settings.clock())
    echo("Demo accounts: " + ", ".join(f"{email} ({role})" for email, _, role in DEMO_ACCOUNTS))


def add_demo_checks(settings: Settings, sessions) -> None:
    """A few editors' checks and some invented use over the last 90 days, so the review queue has an order to show.

    Chosen by a hash of each id, so every demo build is the same.
    """
    import datetime as dt
    import hashlib

    import sqlalchemy as sa

    from assetmap import changes
    from assetmap.models import Activity
    from assetmap.review import record_use

    with sessions() as session:
        ids = sorted(session.scalars(sa.select(Activity.id).where(Activity.status != "closed")))
    picks = {i: int(hashlib.sha1(i.encode()).hexdigest()[:6], 16) for i in ids}
    with changes.writing(settings, sessions, changes.editor_actor(DEMO_ACCOUNTS[0][0])) as tx:
        for number, activity_id in enumerate(i for i in ids if picks[i] % 23 == 0):
            tx.verify_activity(activity_id, ("phoned", "organiser_confirmed", "seen_running")[number % 3])
    today = settings.today()
    with sessions.begin() as session:
        for activity_id, pick in picks.items():
            for day in range(pick % 5):
                record_use(session, [activity_id], today - dt.timedelta(days=(pick >> day) % 90), "shown")
            if pick % 7 == 0:
                record_use(session, [activity_id], today - dt.timedelta(days=pick % 60), "shortlisted")
