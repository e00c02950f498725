"""Benchmark: placing points in wards, and postcode lookups, against a bare baseline in the same run.

Targets (issue 2): assetmap's path ≥ 0.5× a bare shapely STRtree query over the same polygons and
points; postcode lookup ≥ 100,000 postcodes/s in bulk. Prints figures as it goes.

    .venv/bin/python bench/geocode.py [--points 1000000]
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np
import pyogrio
import shapely

from assetmap import geo
from assetmap.config import load_settings
from assetmap.places.postcodes import PostcodeLookup

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def read_wards() -> list[geo.AreaShape]:
    frame = pyogrio.read_dataframe(SHARED / "boundaries/wards_dec2021_en_bsc.geojson")
    with (SHARED / "lookups/ward21_lad21_ccg21_stp21_icb22_en_derived.csv").open(encoding="utf-8") as handle:
        parents = {r["WD21CD"]: {"lad": r["LAD21CD"], "stp": r["STP21CD"], "icb": r["ICB22CD"]} for r in csv.DictReader(handle)}
    return [geo.AreaShape("ward", code, geom, parents.get(code, {})) for code, geom in zip(frame["WD21CD"], frame.geometry)]


def random_points(shapes: list[geo.AreaShape], count: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Uniform points in England's bounding box; about 45 % of them fall in a ward, the rest test the misses."""
    minx, miny, maxx, maxy = shapely.total_bounds([s.geometry for s in shapes])
    rng = np.random.default_rng(seed)
    return rng.uniform(miny, maxy, count), rng.uniform(minx, maxx, count)


def timed(label: str, func):
    start = time.perf_counter()
    result = func()
    seconds = time.perf_counter() - start
    print(f"  {label}: {seconds:.2f} s", flush=True)
    return result, seconds


def bench_areas(count: int) -> float:
    shapes, _ = timed("read Dec 2021 wards + lookup", read_wards)
    lats, lons = random_points(shapes, count)
    print(f"{count:,} random points in England's bounding box, {len(shapes):,} wards")
    polygons = [s.geometry for s in shapes]
    codes = np.array([s.code for s in shapes], dtype=object)

    def baseline():
        tree = shapely.STRtree(polygons)
        point_idx, poly_idx = tree.query(shapely.points(lons, lats), predicate="covered_by")
        wards = np.full(count, None, dtype=object)
        wards[point_idx] = codes[poly_idx]
        return wards

    bare, bare_s = timed("bare STRtree (tree build included)", baseline)
    index, build_s = timed("AreaIndex build", lambda: geo.AreaIndex(shapes))
    assigned, ours_s = timed("AreaIndex.assign (ward, lad, stp, icb)", lambda: index.assign(lats, lons))
    ours_s += build_s
    agree = np.mean(bare == assigned["ward"])
    ratio = (count / ours_s) / (count / bare_s)
    print(f"bare: {count / bare_s:,.0f} points/s; assetmap: {count / ours_s:,.0f} points/s (build included); "
          f"ratio {ratio:.2f}× (target ≥ 0.5×: {'PASS' if ratio >= 0.5 else 'FAIL'}); same ward for {agree:.4%} of points; "
          f"{np.mean(assigned['ward'] != None):.1%} inside a ward")  # noqa: E711
    return ratio


def bench_postcodes(count: int) -> float:
    lookup, _ = timed("load postcode table", lambda: PostcodeLookup.load(load_settings({}).cache_dir))
    rng = np.random.default_rng(2)
    real = lookup._t["postcode"][rng.integers(0, len(lookup), int(count * 0.9))]
    queries = [f"{p[:-3]} {p[-3:]}" for p in real.tolist()] + [f"ZZ{i % 99} 9ZZ" for i in range(count - len(real))]
    rng.shuffle(queries)
    _, seconds = timed(f"lookup_many on {count:,} postcodes (10 % unknown)", lambda: lookup.lookup_many(queries))
    rate = count / seconds
    print(f"postcode lookup: {rate:,.0f} postcodes/s (target ≥ 100,000: {'PASS' if rate >= 100_000 else 'FAIL'})")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    args = parser.parse_args()
    bench_areas(args.points)
    bench_postcodes(args.points)


if __name__ == "__main__":
    main()
