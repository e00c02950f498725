"""Pure: put each activity on the map, or say exactly why it is not there.

All drafts of a run are located together: one ``PostcodeLookup.lookup_many`` for every postcode and
one ``AreaIndex.assign`` for every point, never a search per row. Coordinates a source gives are
trusted only when they are plainly in the UK: swapped latitude/longitude is flagged and used only
when the postcode confirms where the place is; a point outside every loaded area is kept and
flagged, never forced into the nearest ward.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from assetmap import geo
from assetmap.taxonomy import normalise_term
from assetmap.ingest.records import ActivityDraft, Problem
from assetmap.postcodes import PostcodeLookup

AREA_KINDS = ("ward", "lad", "stp", "icb")
CONFIRM_KM = 2.0          # swapped coordinates within this of the postcode are taken as confirmed
FAR_FROM_POSTCODE_KM = 5.0


def _postcode_in_text(draft: ActivityDraft) -> str | None:
    """Feeds often hide the only address in a description: take the first postcode written there."""
    for field in ("address", "venue", "description"):
        found = geo.find_postcodes(getattr(draft, field) or "")
        if found:
            draft.extra["postcode_found_in"] = field
            return found[0]
    return None


def _candidates(drafts: Sequence[ActivityDraft]) -> list[str | None]:
    return [d.postcode or _postcode_in_text(d) for d in drafts]


def _point(lat: float, lon: float) -> tuple[float, float] | None:
    return (lat, lon) if math.isfinite(lat) and math.isfinite(lon) else None


def place_one(draft: ActivityDraft, postcode: str | None, postcode_point, district_point) -> None:
    """Choose the draft's point and precision from its coordinates, postcode or district."""
    if postcode and not draft.postcode:
        draft.postcode = postcode
    if postcode and postcode_point is None:
        draft.problems.append(Problem("postcode", "unknown_postcode", postcode, "is not a known postcode (ONS postcode directory)"))
    fallback = (postcode_point, "postcode") if postcode_point else (district_point, "district") if district_point else (None, "none")
    if draft.given_lat is not None and draft.given_lon is not None:
        chosen = _from_coordinates(draft, postcode_point)
        if chosen is not None:
            return _set_point(draft, chosen, "coordinates")
    _set_point(draft, *fallback)


def _from_coordinates(draft: ActivityDraft, postcode_point) -> tuple[float, float] | None:
    lat, lon = draft.given_lat, draft.given_lon
    verdict = geo.classify_coordinates(lat, lon)
    value = f"{lat}, {lon}"
    if verdict == "ok":
        if postcode_point and geo.haversine_km(lat, lon, *postcode_point) > FAR_FROM_POSTCODE_KM:
            draft.problems.append(Problem("coordinates", "far_from_postcode", value, f"are more than {FAR_FROM_POSTCODE_KM:g} km from postcode {draft.postcode}"))
        return lat, lon
    if verdict == "swapped":
        confirmed = postcode_point is not None and geo.haversine_km(lon, lat, *postcode_point) <= CONFIRM_KM
        how = "the postcode confirms the place, so they were swapped back" if confirmed else "not placed from them"
        draft.problems.append(Problem("coordinates", "swapped_coordinates", value, f"look like latitude and longitude the wrong way round; {how}"))
        return (lon, lat) if confirmed else None
    reason, expected = ("outside_uk", "are outside the UK") if verdict == "outside_uk" else ("invalid_coordinates", "are not a latitude and longitude")
    draft.problems.append(Problem("coordinates", reason, value, f"{expected}; not placed from them"))
    return None


def _set_point(draft: ActivityDraft, point, precision: str) -> None:
    if point is None:
        draft.lat = draft.lon = None
        draft.precision = "none"
        return
    draft.lat, draft.lon = round(float(point[0]), 6), round(float(point[1]), 6)
    draft.precision = precision


def assign_areas(drafts: Sequence[ActivityDraft], areas: geo.AreaIndex) -> None:
    """Ward, LAD, STP and ICB codes for every placed draft in one pass; outside all of them is flagged."""
    placed = [d for d in drafts if d.lat is not None]
    if not placed or not len(areas):
        return
    codes = areas.assign([d.lat for d in placed], [d.lon for d in placed], AREA_KINDS)
    for i, draft in enumerate(placed):
        draft.ward_code, draft.lad_code, draft.stp_code, draft.icb_code = (codes[k][i] for k in AREA_KINDS)
        if draft.ward_code is None and draft.lad_code is None and draft.stp_code is None and draft.icb_code is None:
            where = draft.postcode or f"{draft.lat}, {draft.lon}"
            draft.problems.append(Problem("postcode" if draft.precision != "coordinates" else "coordinates",
                                          "outside_coverage", where, "is outside every area loaded (wards, councils, NHS areas)"))


def locate_drafts(drafts: Sequence[ActivityDraft], postcodes: PostcodeLookup, areas: geo.AreaIndex,
                  allow_district: bool = False) -> list[ActivityDraft]:
    """Place every activity (the drafts are updated in place and returned)."""
    located = [d for d in drafts if isinstance(d, ActivityDraft) and not d.deleted]
    if not located:
        return list(drafts)
    candidates = _candidates(located)
    lats, lons, _ = postcodes.lookup_many([c or "" for c in candidates])
    district = _district_points(candidates, lats, postcodes) if allow_district else {}
    for i, draft in enumerate(located):
        place_one(draft, candidates[i], _point(lats[i], lons[i]), district.get(i))
    assign_areas(located, areas)
    return list(drafts)


def _district_points(candidates, lats: np.ndarray, postcodes: PostcodeLookup) -> dict[int, tuple[float, float]]:
    """The district (outward code) centre for each postcode the directory does not know."""
    missing = [i for i, c in enumerate(candidates) if c and not math.isfinite(lats[i])]
    if not missing:
        return {}
    dlats, dlons = postcodes.district_centroids([geo.outward_code(candidates[i]) for i in missing])
    return {i: p for i, la, lo in zip(missing, dlats, dlons) if (p := _point(la, lo))}


def assign_service_areas(drafts: Sequence[ActivityDraft], codes_by_name: Mapping[str, str]) -> None:
    """A service that covers a whole area ("Trafford") gets that area's code, found by its name."""
    for draft in drafts:
        names = draft.extra.get("service_area_text") or []
        if draft.service_area or not names:
            continue
        found = [codes_by_name.get(normalise_term(name)) for name in names]
        draft.service_area = [code for code in dict.fromkeys(found) if code]


def codes_by_name(names: Mapping[str, str]) -> dict[str, str]:
    """Area name → code from ``{code: name}``; where names clash, a council beats an NHS area beats a ward."""
    rank = lambda code: 0 if code[:3] in ("E06", "E07", "E08", "E09", "W06") else 1 if code.startswith("E54") else 2  # noqa: E731
    found: dict[str, str] = {}
    for code, name in sorted(names.items(), key=lambda item: rank(item[0]), reverse=True):
        found[normalise_term(name)] = code
    return found
