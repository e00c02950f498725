"""The real open directory the judged relevance set runs on: ``../shared/data/community`` ingested as usual.

Greater Manchester food banks, libraries and pharmacies; Trafford care homes, community hubs, GP
practices, mental health services, sports clubs and registered charities (traffordDataLab, OGL v3.0),
read by the normal ingest with the real ward and council boundaries, so records carry their own
words, not ours. The judgements are in ``judged_real.csv``: what a resident or link worker types,
and the records (by source id) a person reading the directory would expect in the first ten.
They were written and judged by reading the records before any tuning (see the CSV's ``note``).
"""

from __future__ import annotations

import csv
import dataclasses
import json
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session

COMMUNITY_FILES = (
    "gm_food_banks.geojson", "gm_libraries.geojson", "gm_pharmacies.geojson", "trafford_care_homes_cqc.geojson",
    "trafford_community_hubs.geojson", "trafford_gp_practices.geojson", "trafford_mental_health_services.geojson",
    "trafford_registered_charities_ccew.csv", "trafford_sports_clubs.geojson",
)
WARDS = "test_regions/wards_dec2021_focus_stps.geojson"   # five STPs' wards, Greater Manchester among them
COUNCILS = "boundaries/lad_dec2021_en_buc.geojson"
JUDGED_PATH = Path(__file__).with_name("judged_real.csv")
TOP = 10


@dataclasses.dataclass(frozen=True)
class Judged:
    """One query as typed, where (if a near box was used), and the source ids of the records it should find."""

    query: str
    near: str
    relevant: tuple[str, ...]
    note: str


def read_judged(path: Path = JUDGED_PATH) -> list[Judged]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [Judged(row["query"], row["near"], tuple(r.strip() for r in row["relevant"].split(";") if r.strip()), row["note"])
                for row in csv.DictReader(handle)]


def load_community(session: Session, settings, shared_data: Path) -> int:
    """Wards, councils and every community file into ``session`` (not committed); returns the activities added."""
    from assetmap.areas.boundaries import load_boundaries
    from assetmap.ingest import run_ingest

    load_boundaries(session, shared_data / WARDS, "ward", "2021-12")
    with tempfile.TemporaryDirectory() as folder:
        load_boundaries(session, _councils_of_wards(shared_data, Path(folder)), "lad", "2021-12")
    session.flush()
    return sum(run_ingest(shared_data / "community" / name, session, settings).counts["accepted"] for name in COMMUNITY_FILES)


def _councils_of_wards(shared_data: Path, folder: Path) -> Path:
    """The councils the wards belong to, as a GeoJSON file: all of England's would make "Rugby" a place, not a sport."""
    codes = {f["properties"]["LAD21CD"] for f in json.loads((shared_data / WARDS).read_text())["features"]}
    councils = json.loads((shared_data / COUNCILS).read_text())
    councils["features"] = [f for f in councils["features"] if f["properties"]["LAD21CD"] in codes]
    path = folder / "councils.geojson"
    path.write_text(json.dumps(councils))
    return path


def recall_at(found: list[str], relevant: tuple[str, ...], top: int = TOP) -> float:
    """The share of the relevant records among those found in the first ``top`` results (all of them if fewer are relevant)."""
    if not relevant:
        return 1.0
    hits = len(set(found) & set(relevant))
    return hits / min(len(relevant), top)


def record_key(activity) -> str:
    """How the judgements name a record: its layer, name and postcode (the community files carry no ids)."""
    return f"{activity.source}:{activity.name}@{activity.postcode or ''}"


@dataclasses.dataclass(frozen=True)
class Outcome:
    judged: Judged
    found: tuple[tuple[str, ...], ...]   # per result: its record, then the linked duplicates listed with it
    recall: float

    @property
    def found_keys(self) -> list[str]:
        return [key for keys in self.found[:TOP] for key in keys]

    @property
    def missed(self) -> list[str]:
        return [key for key in self.judged.relevant if key not in self.found_keys]


def _result_keys(session: Session, hit) -> tuple[str, ...]:
    """A result counts for its record and for the duplicates of it listed with it (one activity, several sources)."""
    from assetmap.models import Activity

    others = [session.get(Activity, listing.id) for listing in getattr(hit, "also_listed", [])]
    return (record_key(hit.activity), *(record_key(a) for a in others if a is not None))


def evaluate(session: Session, settings, judged: list[Judged] | None = None) -> list[Outcome]:
    """Every judged query through ``search_activities``, with its recall@10."""
    from assetmap.search import SearchParams, search_activities

    outcomes = []
    for item in judged if judged is not None else read_judged():
        results = search_activities(session, settings, SearchParams(text=item.query, near=item.near, per_page=TOP))
        found = tuple(_result_keys(session, hit) for hit in results.hits)
        outcomes.append(Outcome(item, found, recall_at([key for keys in found for key in keys], item.relevant)))
    return outcomes


def mean_recall(outcomes: list[Outcome]) -> float:
    return sum(o.recall for o in outcomes) / max(len(outcomes), 1)
