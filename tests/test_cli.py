"""The CLI's one rule for errors: a person's error is one plain line; a bug keeps its traceback."""

import click
from click.testing import CliRunner

from assetmap import cli
from assetmap.errors import AssetmapError


@click.group(cls=cli._Group)
def app():
    """A group with the CLI's error rule and one command that raises."""


@app.command("raise")
@click.argument("kind")
def _raise(kind):
    if kind == "ours":
        raise AssetmapError("groups.csv: no such file; check the path")
    raise KeyError("a bug")


def test_an_assetmap_error_is_one_plain_line_and_a_non_zero_exit():
    result = CliRunner().invoke(app, ["raise", "ours"])
    assert result.exit_code == 1
    assert result.output == "Error: groups.csv: no such file; check the path\n"


def test_any_other_exception_surfaces_as_itself():
    result = CliRunner().invoke(app, ["raise", "bug"])
    assert isinstance(result.exception, KeyError) and result.exit_code == 1


def test_a_missing_spatialite_is_reported_plainly(monkeypatch, tmp_path):
    monkeypatch.setenv("SPATIALITE_LIBRARY_PATH", "/nonexistent/mod_spatialite")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(cli.main, ["init"])
    assert result.exit_code == 1 and "apt-get install libsqlite3-mod-spatialite" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
