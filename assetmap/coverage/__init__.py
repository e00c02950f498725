"""Coverage gaps: what is already happening, where, and where it is missing against need.

``stats`` loads population and deprivation (ONS, MHCLG) and LSOA centres; ``need`` weights them up
to wards, councils, STPs and ICBs; ``provision`` counts activities located in and reaching each
area; ``access`` scores access with the enhanced two-step floating catchment area method;
``gaps`` sets need against access; ``table`` puts it together as ``coverage_table``; ``areas``
gives outlines and pick lists; ``demand`` reads unmet demand from the search log; ``output``
writes CSV, JSON and GeoJSON. The numeric modules take and return numpy arrays only.
"""

from assetmap.coverage.areas import area_choices, coverage_geojson
from assetmap.coverage.demand import unmet_demand
from assetmap.coverage.gaps import GAP_SCORE_RULE
from assetmap.coverage.table import COLUMN_LABELS, COLUMNS, LEVEL_LABELS, LEVELS, CoverageError, CoverageRow, coverage_table

__all__ = [
    "COLUMNS", "COLUMN_LABELS", "GAP_SCORE_RULE", "LEVELS", "LEVEL_LABELS", "CoverageError", "CoverageRow", "area_choices",
    "coverage_geojson", "coverage_table", "unmet_demand",
]
