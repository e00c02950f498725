"""Coverage rows written as CSV, JSON or GeoJSON (the same columns as ``/api/coverage``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from assetmap.coverage.gaps import GAP_SCORE_RULE
from assetmap.coverage.table import COLUMNS
from assetmap.exports.spreadsheet import guard_cell


def to_csv(rows: Iterable) -> str:
    """One header row of ``COLUMNS`` then one row per area (a CoverageRow or its ``as_dict()``); empty cells
    for figures not known; text a spreadsheet would run as a formula guarded as every export is."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = row.as_dict() if hasattr(row, "as_dict") else row
        writer.writerow([guard_cell(values.get(c)) for c in COLUMNS])
    return out.getvalue()


def to_json(rows: Sequence, meta: dict[str, Any] | None = None) -> str:
    """``{"columns", "gap_score_rule", …meta, "rows": [...]}``."""
    body = {"columns": list(COLUMNS), "gap_score_rule": GAP_SCORE_RULE, **(meta or {}), "rows": [row.as_dict() for row in rows]}
    return json.dumps(body, ensure_ascii=False, indent=1)


def to_geojson(collection: dict[str, Any]) -> str:
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
