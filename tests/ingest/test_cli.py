"""The bad-input scenarios again, through ``assetmap ingest`` on a private SpatiaLite file."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from assetmap.models import Activity, IngestRun

from .scenarios import GOOD_ROW, SCENARIOS, scenario_sheet, sheet

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_bad_input_scenario_through_the_command(cli, tmp_path, scenario):
    path = tmp_path / f"{scenario.name}.csv"
    path.write_text(scenario_sheet(scenario))
    result, report = cli(path)
    assert result.exit_code == 0, result.output
    expected = dict.fromkeys(report["counts"], 0) | {"read": 2, "accepted": 1, scenario.outcome: 1}
    assert report["counts"] == expected
    assert [(r["line"], r["outcome"], r["reasons"]) for r in report["rows"]] == [(2, "accepted", []), (3, scenario.outcome, list(scenario.reasons))]
    assert report["problems"][0]["field"] == scenario.field
    assert f'row 3, field "{scenario.field}"' in result.output


def test_text_report_lists_counts_then_problems(cli, tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text(sheet(GOOD_ROW | {"Post Code": "M32 0Q"}))
    result, _ = cli(path)
    lines = result.output.splitlines()
    assert lines[1] == "read 1 · accepted 0 · updated 0 · unchanged 0 · flagged 1 · rejected 0 · duplicate 0 · blank 0 · closed 0"
    assert '  row 2, field "Post Code": "M32 0Q" is not a valid UK postcode' in lines


def test_dry_run_through_the_command_writes_nothing(cli, tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text(sheet(GOOD_ROW))
    result, report = cli(path, "--dry-run")
    assert result.exit_code == 0 and report["counts"]["accepted"] == 1 and report["dry_run"] is True
    with cli.engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0
        assert conn.scalar(sa.select(sa.func.count()).select_from(IngestRun)) == 0


def test_partial_and_source_options(cli, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(sheet(GOOD_ROW, GOOD_ROW | {"Activity": "Bingo"}))
    second.write_text(sheet(GOOD_ROW))
    cli(first, "--source", "network")
    _, partial = cli(second, "--source", "network", "--partial")
    _, full = cli(second, "--source", "network")
    assert (partial["counts"]["closed"], full["counts"]["closed"]) == (0, 1)
    assert full["closed"][0]["name"] == "Bingo" and full["source"] == "network"


def test_unreadable_input_is_one_line_and_exit_1(cli, tmp_path):
    result, report = cli(tmp_path / "missing.csv")
    assert result.exit_code == 1 and report is None
    assert result.output.strip() == f"Error: {tmp_path / 'missing.csv'}: no such file"


def test_nothing_read_exits_1(cli):
    result, report = cli(DATA / "openactive_page3.json")
    assert result.exit_code == 1 and report["counts"]["read"] == 0


def test_format_option_overrides_sniffing(cli, tmp_path):
    path = tmp_path / "services.txt"
    path.write_text((DATA / "oruk_legacy_services.json").read_text())
    result, report = cli(path, "--format", "oruk")
    assert result.exit_code == 0 and report["format"] == "oruk" and report["profile"] == "oruk-1.x"
    assert report["counts"] == {"read": 5, "accepted": 2, "updated": 0, "unchanged": 0, "flagged": 1, "rejected": 1,
                                "duplicate": 1, "blank": 0, "closed": 0}
