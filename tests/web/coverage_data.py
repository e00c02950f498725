"""A copy of the web tests' database with real Trafford statistics loaded, for the coverage pages.

Population (ONS mid-2020), deprivation (IMD 2019) and LSOA 2011 boundaries are cut to Trafford's
LSOAs (from the ONS lookup) and loaded through ``assetmap.coverage.stats.load_file``, the code behind
``assetmap stats load``; council and ICB outlines are loaded for the map. A few more activities are placed, by the real ward polygons, in other wards
and categories, and a few searches that found nothing are logged, so there is something to rank,
switch and count.
"""

from __future__ import annotations

import csv
import datetime as dt
import json

from assetmap import db
from assetmap.areas.boundaries import load_boundaries
from assetmap.areas.queries import load_area_index
from assetmap.models import SearchLog

from ..conftest import FIXED_NOW
from ..factories import make_activity, private_copy

TRAFFORD = "E08000009"
GREATER_MANCHESTER_ICB = "E54000057"
# (name, categories, lat, lon, weekly schedule): real places in Trafford
EXTRA_ACTIVITIES = [
    ("Old Trafford lunch club", ["food", "older-people"], 53.4600, -2.2790, ["wed midday"]),
    ("Partington men's shed", ["mens-sheds"], 53.4190, -2.4300, ["mon morning", "thu morning"]),
    ("Altrincham walking netball", ["exercise"], 53.3870, -2.3490, ["fri morning"]),
    ("Urmston health walk", ["walking"], 53.4480, -2.3540, ["sat morning"]),
    ("Stretford =cmd| carers café", ["carers"], 53.4460, -2.3090, []),
]
UNMET_SEARCHES = [("nordic walking", ["walking"], "E05000829", 0), ("nordic walking", ["walking"], "E05000829", 1),
                  ("knitting circle", ["arts-crafts"], "E05000820", 0)]


def trafford_lsoas(shared_data) -> set[str]:
    with open(shared_data / "lookups/lsoa11_lad21_ccg21_stp21_lad22_sicbl22_icb22_en.csv", newline="", encoding="utf-8") as handle:
        return {row["LSOA11CD"] for row in csv.DictReader(handle) if row["LAD21CD"] == TRAFFORD}


def _cut_csv(source, target, codes: set[str]) -> None:
    with open(source, newline="", encoding="utf-8") as src, open(target, "w", newline="", encoding="utf-8") as out:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, reader.fieldnames)
        writer.writeheader()
        writer.writerows(row for row in reader if row["LSOA11CD"] in codes)


def _cut_geojson(source, target, codes: set[str]) -> None:
    with open(source, encoding="utf-8") as handle:
        data = json.load(handle)
    data["features"] = [f for f in data["features"] if f["properties"].get("LSOA11CD") in codes]
    with open(target, "w", encoding="utf-8") as handle:
        json.dump(data, handle)


def stats_files(shared_data, folder) -> list:
    """Trafford-only copies (in a temporary folder) of the three England-wide statistics files."""
    codes = trafford_lsoas(shared_data)
    files = [folder / "population_mid2020_lsoa11_trafford.csv", folder / "imd2019_lsoa11_trafford.csv", folder / "lsoa_dec2011_trafford.geojson"]
    _cut_csv(shared_data / "stats/population_mid2020_lsoa11_en.csv", files[0], codes)
    _cut_csv(shared_data / "stats/imd2019_lsoa11_en.csv", files[1], codes)
    _cut_geojson(shared_data / "boundaries/lsoa_dec2011_en_simplified.geojson", files[2], codes)
    return files


def build_coverage_copy(web_settings, shared_data, folder):
    """Settings for a private copy of the web database with Trafford statistics, more activities and unmet searches."""
    from assetmap.coverage.stats import load_file

    settings = private_copy(web_settings, folder)
    engine = db.make_engine(settings.database_url)
    sessions = db.make_sessionmaker(engine)
    files = stats_files(shared_data, folder)
    with sessions.begin() as session:   # council and ICB outlines to draw, as the demo loads them (areas still come from the ward lookup)
        load_boundaries(session, shared_data / "boundaries/lad_dec2021_en_buc.geojson", "lad", "2021-12")
        load_boundaries(session, shared_data / "boundaries/icb_jul2022_en_buc_simplified.geojson", "icb", "2022-07")
    with sessions.begin() as session:
        for path in [files[2], files[0], files[1]]:   # boundaries first: each LSOA's ward comes from its centre
            load_file(session, path)
    with sessions.begin() as session:
        index = load_area_index(session)
        for name, categories, lat, lon, schedule in EXTRA_ACTIVITIES:
            codes = index.areas_at(lat, lon)
            session.add(make_activity(name=name, categories=categories, lat=lat, lon=lon, schedule=schedule, postcode=None,
                                      ward_code=codes.get("ward"), lad_code=codes.get("lad") or TRAFFORD,
                                      stp_code=codes.get("stp"), icb_code=codes.get("icb")))
        for query, categories, area, results in UNMET_SEARCHES:
            session.add(SearchLog(logged_at=FIXED_NOW - dt.timedelta(days=3), query=query, filters={"categories": categories},
                                  area_code=area, result_count=results))
    engine.dispose()
    return settings
