"""Bad-input scenarios shared by the clean_row tests and the ``assetmap ingest`` CLI tests (mapit's skeletons).

Each scenario is a good spreadsheet row with a few cells changed, and what must happen to it: the
outcome, the reason codes, and the field the report must name. ``stage`` says which hop finds the
problem: ``clean`` (the row alone shows it) or ``locate`` (it takes the postcode directory and the
boundaries).
"""

from __future__ import annotations

import csv
import dataclasses
import io

HEADERS = ["Activity", "Organisation Name", "Description", "Category", "Who is it for", "Format", "When", "Cost",
           "Telephone", "E-mail", "Web address", "Venue", "Post Code", "Lat", "Lng", "Status", "Taking new people",
           "Date checked", "Checked by", "Source ID"]
GOOD_ROW = {
    "Activity": "Sale Walking Group", "Organisation Name": "Sale Walkers", "Description": "A gentle hour round the park.",
    "Category": "Walking", "Who is it for": "Anyone", "Format": "In person", "When": "Tuesdays 10-12", "Cost": "Free",
    "Telephone": "0161 000 0000", "E-mail": "walks@example.org", "Web address": "https://example.org/walks",
    "Venue": "Worthington Park", "Post Code": "M33 7XW", "Lat": "", "Lng": "", "Status": "Active",
    "Taking new people": "Yes", "Date checked": "03/04/2025", "Checked by": "Jo", "Source ID": "",
}
OTHER_ROW = GOOD_ROW | {"Activity": "Knit and Natter", "Category": "Crafts", "When": "Thursday afternoons",
                        "Post Code": "M33 7ZF"}


@dataclasses.dataclass(frozen=True)
class Scenario:
    name: str
    changes: dict
    outcome: str
    reasons: tuple[str, ...]
    field: str
    stage: str = "clean"

    @property
    def row(self) -> dict:
        return GOOD_ROW | self.changes


SCENARIOS = [
    Scenario("missing_name", {"Activity": "", "Organisation Name": ""}, "rejected", ("missing_name",), "Activity"),
    Scenario("invalid_postcode", {"Post Code": "M32 0Q"}, "flagged", ("invalid_postcode",), "Post Code"),
    Scenario("invalid_date", {"Date checked": "31/02/2025"}, "flagged", ("invalid_date",), "Date checked"),
    Scenario("invalid_email", {"E-mail": "walks at example dot org"}, "flagged", ("invalid_email",), "E-mail"),
    Scenario("unsafe_url", {"Web address": "javascript:alert(document.cookie)"}, "flagged", ("unsafe_url",), "Web address"),
    Scenario("unknown_postcode", {"Post Code": "M33 9ZZ"}, "flagged", ("unknown_postcode",), "postcode", "locate"),
    Scenario("outside_coverage", {"Post Code": "SW1A 1AA"}, "flagged", ("outside_coverage",), "postcode", "locate"),
    Scenario("swapped_coordinates", {"Post Code": "", "Lat": "-2.3255", "Lng": "53.4252"}, "flagged",
             ("swapped_coordinates",), "coordinates", "locate"),
    Scenario("outside_uk", {"Post Code": "", "Lat": "48.8566", "Lng": "2.3522"}, "flagged", ("outside_uk",),
             "coordinates", "locate"),
]
BY_NAME = {s.name: s for s in SCENARIOS}


def sheet(*rows: dict, headers=HEADERS) -> str:
    """CSV text: a header and the given rows."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def scenario_sheet(scenario: Scenario) -> str:
    """A good row (line 2) then the scenario's row (line 3)."""
    return sheet(OTHER_ROW, scenario.row)
