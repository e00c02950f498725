"""The ``assetmap`` command: one click group, each command parses, calls one function, prints.

Expected failures (a missing extension, a bad file, anything raised as an ``AssetmapError``) are
one clear line and a non-zero exit; anything else surfaces with its traceback, because it is a bug.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

import click

from assetmap import db
from assetmap.config import Settings, load_settings
from assetmap.errors import AssetmapError


def _settings() -> Settings:
    return load_settings(os.environ)


@contextlib.contextmanager
def _clear_errors():
    """Turn the errors a person can fix into one line naming the fix; leave bugs their traceback."""
    try:
        yield
    except AssetmapError as exc:
        raise click.ClickException(exc.message) from exc


class _Group(click.Group):
    """Every command's ``AssetmapError`` becomes one plain line (exit 1)."""

    def invoke(self, ctx):
        with _clear_errors():
            return super().invoke(ctx)


@contextlib.contextmanager
def working(message: str):
    """A spinner on stderr for steps that take seconds, so a newcomer knows it has not hung."""
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def open_database(settings: Settings, create: bool = False):
    """Engine and sessionmaker for the configured database (creating the schema if asked)."""
    engine = db.make_engine(settings.database_url)
    if create:
        db.create_schema(engine)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(engine.dispose)  # tests run commands in-process: leave no connection open
    return engine, db.make_sessionmaker(engine)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="assetmap")
def main():
    """assetmap: find community activities and groups near you, and see where they are missing.

    \b
    Start here:
      assetmap init                         create the database (DATABASE_URL, default ./assetmap.db)
      assetmap boundaries load FILE --kind ward --vintage 2021-12
      assetmap boundaries lookup FILE       ward → LAD → STP/ICB codes
      assetmap locate "M33 7XW"             which ward, council and NHS area a place is in
      assetmap ingest FILE                  load groups and activities from a spreadsheet or feed
      assetmap index                        build the search index
      assetmap serve                        run the website
    """


@main.command()
def init():
    """Create (or upgrade) the database schema."""
    settings = _settings()
    engine, _ = open_database(settings, create=True)
    click.echo(f"Database ready: {engine.url.render_as_string(hide_password=True)}")


@main.group()
def boundaries():
    """Load, look up and fetch ONS boundaries (wards, councils, NHS areas)."""


@boundaries.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", required=True, help="What the polygons are: ward, lad, stp, icb (or any name you choose).")
@click.option("--vintage", required=True, help="The boundary release, e.g. 2021-12.")
@click.option("--code-field", help="Column holding the ONS code, when it is not named like WD21CD.")
@click.option("--name-field", help="Column holding the area name.")
@click.option("--not-current", is_flag=True, help="Keep the current vintage of this kind as it is.")
def boundaries_load(path, kind, vintage, code_field, name_field, not_current):
    """Load a GeoJSON, GeoPackage or Shapefile of areas (re-loading a vintage replaces it)."""
    from assetmap.areas.boundaries import load_boundaries

    _, sessions = open_database(_settings(), create=True)
    with working(f"Loading {kind} boundaries from {path}…"), sessions.begin() as session:
        result = load_boundaries(session, path, kind, vintage, code_field=code_field, name_field=name_field,
                                 make_current=not not_current)
    click.echo(f"Loaded {result.count} {kind} areas ({vintage}) from {path}; "
               f"repaired {result.repaired} invalid polygons; replaced {result.replaced}.")


@boundaries.command("lookup")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def boundaries_lookup(path):
    """Load a ward → LAD → STP/ICB lookup table (CSV with ONS code columns like WD21CD, STP21CD)."""
    from assetmap.areas.boundaries import load_lookup

    _, sessions = open_database(_settings(), create=True)
    with working(f"Loading lookup {path}…"), sessions.begin() as session:
        result = load_lookup(session, path)
    click.echo(f"Read {result.rows} rows: parent codes set on {result.wards_updated} wards "
               f"({result.wards_missing} lookup wards have no polygons loaded); {result.areas_named} parent areas named.")


@boundaries.command("fetch")
@click.option("--force", is_flag=True, help="Download again even when a copy is cached.")
@click.option("--only", multiple=True, help="Fetch only the named layer(s) from boundaries/manifest.json.")
def boundaries_fetch(force, only):
    """Download the ONS layers in boundaries/manifest.json into the boundaries folder (needs internet)."""
    from assetmap.areas import ons_portal

    paths = ons_portal.fetch_command_impl(_settings(), force=force, only=list(only))
    for path in paths:
        click.echo(f"Cached {path}")


def _locator_inputs(settings: Settings):
    from assetmap.areas.queries import load_area_index
    from assetmap.places.postcodes import PostcodeLookup

    _, sessions = open_database(settings, create=True)
    with working("Reading boundaries and the postcode directory…"), sessions() as session:
        areas = load_area_index(session)
        postcodes = PostcodeLookup.load(settings.cache_dir)
    if not len(areas):
        raise click.ClickException("No boundaries loaded: run `assetmap boundaries load FILE --kind ward --vintage 2021-12` first")
    return postcodes, areas


@main.command(context_settings={"ignore_unknown_options": True})
@click.argument("query", required=False)
@click.option("--file", "in_path", type=click.Path(exists=True, dir_okay=False), help="CSV file to locate in bulk.")
@click.option("--column", default="postcode", show_default=True, help="Column of --file holding postcodes or lat,lon.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Where to write the CSV with area columns added.")
@click.option("--allow-district", is_flag=True, help="Use the postcode district's centre when a postcode is unknown.")
def locate(query, in_path, column, out_path, allow_district):
    """Which ward, council (LAD) and NHS area (STP/ICB) a postcode or "lat,lon" is in.

    \b
    assetmap locate "M33 7XW"
    assetmap locate 53.42,-2.34
    assetmap locate --file people.csv --column postcode --out located.csv
    """
    from assetmap.places.resolve import locate_many

    if bool(query) == bool(in_path):
        raise click.UsageError("give either a QUERY or --file (with --out)")
    postcodes, areas = _locator_inputs(_settings())
    if query:
        click.echo(json.dumps(locate_many([query], postcodes, areas, allow_district)[0].to_json()))
        return
    if not out_path:
        raise click.UsageError("--file needs --out")
    count = _locate_file(in_path, column, out_path, postcodes, areas, allow_district)
    click.echo(f"Located {count} rows into {out_path}", err=True)


def _locate_file(in_path, column, out_path, postcodes, areas, allow_district) -> int:
    import csv

    from assetmap.places.resolve import CSV_COLUMNS, locate_many, to_csv_columns

    with open(in_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if column not in (reader.fieldnames or []):
            raise click.ClickException(f"{in_path}: no column {column!r}; columns are: {', '.join(reader.fieldnames or [])}")
        rows = list(reader)
        fieldnames = list(reader.fieldnames)
    locations = locate_many([row[column] or "" for row in rows], postcodes, areas, allow_district)
    with open(out_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fieldnames + [c for c in CSV_COLUMNS if c not in fieldnames])
        writer.writeheader()
        for row, location in zip(rows, locations):
            writer.writerow({**row, **to_csv_columns(location)})
    return len(rows)


@main.command()
@click.option("--serve/--no-serve", default=True, help="Start the website when the demo is ready.")
@click.option("--port", default=5000, show_default=True)
def demo(serve, port):
    """Build the demo directory (Trafford sample data) from scratch, then serve it."""
    from assetmap.demo import prepare_demo

    settings = _settings()
    with working("Building the demo directory…"):
        prepare_demo(settings, echo=lambda line: click.echo(line, err=True))
    if serve:
        click.get_current_context().invoke(serve_cmd, port=port)


# Commands added by other modules go below this line, one function each.


@main.command("index")
@click.option("--check", is_flag=True, help="Catch the index up on changes it missed, then compare it with the database; exit 1 on any difference.")
def index_command(check):
    """Rebuild the search index from the database, or catch it up and check that it matches (--check)."""
    from assetmap.search import build_index, check_index
    from assetmap.search.heal import catch_up
    from assetmap.search.index import count_activities

    settings = _settings()
    _, sessions = open_database(settings)
    if check:
        healed = catch_up(settings, sessions)
        if healed:
            click.echo("Rebuilt the search index from the database." if healed.rebuilt
                       else f"Caught the search index up on {healed.reindexed} activities it had missed.")
        with sessions() as session:
            problems = check_index(settings, session)
        for line in problems[:50]:
            click.echo(line)
        if problems:
            click.echo(f"{len(problems)} difference(s) between the index and the database: run `assetmap index` to rebuild.", err=True)
            raise SystemExit(1)
        click.echo("The search index matches the database.")
        return
    with sessions.begin() as session:  # on PostgreSQL the build creates tables and a trigger: commit them
        with click.progressbar(length=count_activities(session), label="Indexing activities") as bar:
            count = build_index(settings, session, progress=lambda done: bar.update(done - bar.pos))
    click.echo(f"Indexed {count} activities.")


@main.command("ingest")
@click.argument("file_or_url")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "oruk", "openactive", "geojson", "charity", "tables"]),
              help="What the input is (sniffed when omitted; a folder, or a workbook of linked sheets, is read as tables).")
@click.option("--source", help="Name of the source (default: the file's name); a full re-import closes its records that are missing.")
@click.option("--dry-run", is_flag=True, help="Check and report without writing anything.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), help="Also write the report as JSON to this file.")
@click.option("--partial", is_flag=True, help="The input holds only some of the source's records: close nothing.")
@click.option("--allow-district", is_flag=True, help="Place a record whose postcode is unknown at its district's centre.")
@click.option("--allow-closing", is_flag=True,
              help="Let a full import close more than ASSETMAP_MAX_CLOSING_SHARE of the source's open records (refused otherwise).")
def ingest_command(file_or_url, fmt, source, dry_run, report_path, partial, allow_district, allow_closing):
    """Load groups and activities from a spreadsheet (CSV, XLSX), an Open Referral UK or OpenActive
    feed (file or URL), a GeoJSON point layer or the Charity Commission register; or linked tables
    (services, locations, organisations) as a folder of CSV/XLSX files or one workbook's sheets.

    \b
    assetmap ingest groups.xlsx --dry-run
    assetmap ingest directory-folder/ --report report.json
    assetmap ingest https://example.org/api --format oruk --report report.json
    """
    from assetmap.ingest import default_source, ingest_file
    from assetmap.ingest.running import Stopped, be_nice, nice_local_database, stop_on_signals
    from assetmap.sources import recording_failures

    settings = _settings()
    be_nice()   # readers on this machine keep their share of the processor
    engine, sessions = open_database(settings, create=True)
    nice_local_database(engine)   # and so do they while PostgreSQL does the ingest's work
    failures = contextlib.nullcontext() if dry_run else recording_failures(settings, sessions, source or default_source(file_or_url), file_or_url)
    try:
        with stop_on_signals(), failures, _ingest_progress() as on_progress:
            report = ingest_file(settings, sessions, file_or_url, fmt=fmt, source=source, dry_run=dry_run,
                                 full_import=not partial, allow_district=allow_district, allow_closing=allow_closing,
                                 on_progress=on_progress)
    except Stopped as stop:   # Ctrl-C or SIGTERM: rolled back (or committed, index catching up later); one line, 130 or 143
        click.echo(stop.message(source or default_source(file_or_url)), err=True)
        raise SystemExit(stop.exit_status) from None
    click.echo(report.to_text())
    if report_path:
        with open(report_path, "w", encoding="utf-8") as handle:
            json.dump(report.to_json(), handle, indent=1, ensure_ascii=False)
    if not report.counts["read"]:
        raise SystemExit(1)


@contextlib.contextmanager
def _ingest_progress():
    """A progress bar on stderr while rows are read and loaded (only on a terminal: logs stay clean)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    labels = {"read": "Reading and checking rows", "located": "Placing on the map", "loaded": "Writing to the database"}
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(labels["read"], total=None)
        yield lambda stage, done, total: progress.update(task, description=labels.get(stage, stage), completed=done, total=total)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
def serve_cmd(host, port):
    """Run the website (search page, activity pages, print sheets and the JSON API)."""
    import dataclasses

    from assetmap.web import create_app

    settings = _settings()
    if "ASSETMAP_ENV" not in os.environ:   # the development server: a random SECRET_KEY will do unless production is asked for
        settings = dataclasses.replace(settings, env="development")
    app = create_app(settings)
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    app.run(host=host, port=port, debug=False)


@main.group("users")
def users_group():
    """Editor and admin accounts (residents need none)."""


@users_group.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(["editor", "admin"]), required=True, help="editor: review queue and edits; admin: also accounts.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking for it.")
def users_add(email, role, password_stdin):
    """Make an account; the password is asked for (twice), or read from standard input with --password-stdin."""
    from assetmap import users

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = _settings()
    _, sessions = open_database(settings, create=True)
    with sessions.begin() as session:
        user = users.add_user(session, email, password, role, settings.clock())
        click.echo(f"Account made: {user.email} ({user.role})")


@users_group.command("list")
def users_list():
    """Every account, its role and whether it is active."""
    from assetmap import users

    _, sessions = open_database(_settings())
    with sessions() as session:
        for user in users.list_users(session):
            click.echo(f"{user.email}\t{user.role}\t{'active' if user.is_active else 'switched off'}")


@main.command("reminders")
@click.option("--outbox", type=click.Path(file_okay=False), help="Write each e-mail as an .eml file in this folder (made if missing).")
def reminders_command(outbox):
    """E-mail each organisation with ageing or stale records a link to confirm them (no account needed).

    \b
    Without ASSETMAP_SMTP_HOST the e-mails are only written to --outbox; with it they are sent.
    Links start with ASSETMAP_BASE_URL and are signed with SECRET_KEY (which must be set).
    \b
    assetmap reminders --outbox outbox/
    """
    from assetmap import confirm

    settings = _settings()
    if not settings.secret_key:
        raise click.ClickException("SECRET_KEY is not set: the confirm links are signed with it and the website must use the same one")
    if not settings.base_url:
        raise click.ClickException("ASSETMAP_BASE_URL is not set: the e-mails' links need the site's public address (https://…)")
    if not outbox and not settings.smtp_host:
        raise click.ClickException("give --outbox DIR, or set ASSETMAP_SMTP_HOST to send the e-mails")
    _, sessions = open_database(settings)
    reminders = confirm.make_reminders(settings, sessions, settings.secret_key)
    if outbox:
        paths = confirm.write_outbox(outbox, reminders)
        click.echo(f"{len(paths)} e-mail{'' if len(paths) == 1 else 's'} written to {outbox}")
    if settings.smtp_host and reminders:
        click.echo(f"{confirm.send_smtp(settings, reminders)} e-mail(s) sent through {settings.smtp_host}")
    for reminder in reminders:
        click.echo(f"{reminder.organisation} <{reminder.to}>: {len(reminder.records)} record(s)")


@main.command("stale")
@click.option("--area", default="", help="Only records in this ward or council area (ONS code).")
@click.option("--source", default="", help="Only records from this source.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
def stale_command(area, source, fmt):
    """Records to check (ageing, stale, never checked), most harmful first: the review queue's order."""
    import csv
    import io

    from assetmap.review import load_queue

    settings = _settings()
    _, sessions = open_database(settings)
    with sessions() as session:
        items, _ = load_queue(session, settings, area=area, source=source)
    rows = [item.to_json() for item in items]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    columns = ["id", "name", "organisation", "source", "state", "last_verified", "days_overdue", "shown_90_days",
               "shortlisted_90_days", "harm", "ward", "lad", "url"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    click.echo(out.getvalue(), nl=False)


@main.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
def export_command(file):
    """Write everything in the database (records, provenance, checks, audit trail, accounts' hashes, sources)
    to FILE, a zip of one JSON Lines file per table and a manifest (format in the README)."""
    from assetmap.backup import export_database

    settings = _settings()
    engine, _ = open_database(settings)
    with working(f"Exporting to {file}…"):
        counts = export_database(engine, file, settings.clock())
    click.echo(f"Exported {sum(counts.values())} rows from {len(counts)} tables to {file}.")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--replace", is_flag=True, help="Delete everything the database holds first (otherwise a database with data is refused).")
def import_command(file, replace):
    """Load an `assetmap export` FILE into an empty database at the same schema revision, then rebuild the search index."""
    from assetmap.backup import import_database
    from assetmap.search import build_index

    settings = _settings()
    engine, sessions = open_database(settings, create=True)
    with working(f"Importing {file}…"):
        counts = import_database(engine, file, replace=replace)
    with working("Rebuilding the search index…"), sessions.begin() as session:
        indexed = build_index(settings, session)
    click.echo(f"Imported {sum(counts.values())} rows into {len(counts)} tables; search index rebuilt ({indexed} activities).")


@main.group("stats")
def stats_group():
    """Population and deprivation for coverage gaps (ONS and MHCLG files, recognised by their columns)."""


@stats_group.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--year", type=int, default=None, help="Year of a population file whose name does not say it.")
@click.option("--edition", type=int, default=None, help="Edition of a deprivation file whose name does not say it (e.g. 2025).")
def stats_load_command(file, year, edition):
    """Load FILE: population by LSOA or ward, the Index of Multiple Deprivation, LSOA boundaries (their centres),
    or the LSOA 2011 to 2021 lookup. Loading the same file again replaces what it loaded."""
    from assetmap.coverage.stats import load_file

    settings = _settings()
    _, sessions = open_database(settings, create=True)
    with working(f"Loading {file}…"), sessions.begin() as session:
        report = load_file(session, file, year=year, edition=edition)
    click.echo(f"Loaded {report}.")


@stats_group.command("place")
def stats_place_command():
    """Place every loaded LSOA centre again in the loaded wards (after loading new ward boundaries or lookups)."""
    from assetmap.coverage.stats import reassign_small_areas

    settings = _settings()
    _, sessions = open_database(settings)
    with working("Placing LSOA centres in wards…"), sessions.begin() as session:
        count = reassign_small_areas(session)
    click.echo(f"Placed {count} LSOA centres in the loaded wards.")


@main.command("coverage")
@click.option("--level", type=click.Choice(["ward", "lad", "stp", "icb"]), default="ward", show_default=True)
@click.option("--within", default=None, help="Only areas inside this ICB, STP or council (ONS code).")
@click.option("--category", default=None, help="Only activities of this category (slug).")
@click.option("--delivery", type=click.Choice(["in_person", "online", "telephone"]), default=None, help="Only activities delivered this way.")
@click.option("--fresh-only", is_flag=True, help="Rank on the figures over recently checked records only.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "geojson", "html"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), default=None, help="Write to this file (standard output without it).")
def coverage_command(level, within, category, delivery, fresh_only, fmt, out):
    """One row per area: activities, reach, access, population, per 10,000, deprivation, freshness and the gap score."""
    from assetmap.coverage import coverage_geojson, coverage_table
    from assetmap.coverage import output as coverage_output

    settings = _settings()
    _, sessions = open_database(settings)
    with working("Working out coverage…"), sessions() as session:
        rows = coverage_table(session, settings, level=level, within=within, category=category, delivery=delivery, fresh_only=fresh_only)
        collection = coverage_geojson(session, rows, level) if fmt in ("geojson", "html") else None
    if fmt == "html":
        if not out:
            raise AssetmapError("--format html needs --out FILE")
        from assetmap.areas.queries import area_names
        from assetmap.coverage.board_map import board_title, write_html

        with sessions() as session:
            within_name = area_names(session).get(within, within) if within else None
        write_html(rows, collection, board_title(level, within_name, category, delivery, fresh_only), out)   # one file, no network needed
        click.echo(f"Wrote {len(rows)} areas to {out}.")
        return
    text = {"csv": lambda: coverage_output.to_csv(rows), "json": lambda: coverage_output.to_json(rows),
            "geojson": lambda: coverage_output.to_geojson(collection)}[fmt]()
    if out:
        with open(out, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        click.echo(f"Wrote {len(rows)} areas to {out}.")
    else:
        click.echo(text, nl=not text.endswith("\n"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
