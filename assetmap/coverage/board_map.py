"""The choropleth's classes and figures as people read them, and ``write_html``: one file to send to a board.

The web page (``assetmap.web.coverage``) and the board file share the same classes, colours and
number formats, so the map a commissioner sends says exactly what the page showed. The board file
is built with folium but opens with no network: folium's own template links Leaflet, jQuery,
Bootstrap and Font Awesome from CDNs; those links are dropped and Leaflet's script and style are
written into the file from the copy the project installs from npm (nothing else is needed to draw
polygons with tooltips).
"""

from __future__ import annotations

import html
import math
from pathlib import Path

VENDOR_DIRS = (Path(__file__).resolve().parents[1] / "web" / "static" / "vendor",
               Path(__file__).resolve().parents[2] / "node_modules" / "leaflet" / "dist")
# Sequential blue scale (ColorBrewer YlGnBu, 5 classes): light = low, dark = high; every class is also in the table.
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_FIGURE = "#d9d9d9"
MEASURES = {
    "gap_score": "Gap score (higher means more need against what is on offer)",
    "per_10k": "Activities per 10,000 residents",
    "access": "Access score (weekly sessions within reach per 1,000 people)",
    "imd_score": "Deprivation score (Index of Multiple Deprivation; higher means more deprived)",
}
LEVEL_PLURALS = {"ward": "Wards", "lad": "Council areas", "stp": "Sustainability and Transformation Partnerships (STPs)",
                 "icb": "Integrated Care Boards (ICBs)"}
# (heading, column over all active records, its twin over records checked recently)
PAIRED_FIGURES = (
    ("Activities located in the area", "activities", "activities_fresh"),
    ("Reach: activities open to people here", "reach", "reach_fresh"),
    ("Activities per 10,000 residents", "per_10k", "per_10k_fresh"),
    ("Access score", "access", "access_fresh"),
)
_FORMATS = {"population": "{:,.0f}", "activities": "{:,.0f}", "reach": "{:,.0f}", "imd_rank": "{:,.0f}", "imd_decile": "{:.0f}",
            "per_10k": "{:,.1f}", "imd_score": "{:.1f}", "gap_score": "{:.1f}", "access": "{:,.2f}",
            "deprived_share": "{:.0%}", "fresh_share": "{:.0%}"}


def format_value(column: str, value) -> str:
    """A figure as the table prints it; a missing figure is a dash, never 0.

    >>> format_value("per_10k_fresh", 12.345), format_value("fresh_share", 0.5), format_value("access", 1234.567)
    ('12.3', '50%', '1,234.57')
    >>> format_value("population", None)
    '–'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    base = column.removesuffix("_fresh")
    return _FORMATS.get(base, "{}").format(value)


def breaks(values, classes: int = len(PALETTE)) -> list[float]:
    """Upper bounds of equal-count classes (quantiles) of the figures present, lowest first.

    Quantiles, not equal steps, so a few extreme areas do not leave every other area one colour.

    >>> breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    [2, 4, 6, 8, 10]
    >>> breaks([None, 3, 3])
    [3]
    """
    present = sorted(v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v)))
    if not present:
        return []
    bounds = [present[min(len(present) - 1, math.ceil(len(present) * (k + 1) / classes) - 1)] for k in range(classes)]
    return sorted(set(bounds))


def class_of(value, bounds: list[float]) -> int | None:
    """The class (0 = lowest) of a figure, or None when it has none."""
    if value is None or not bounds or (isinstance(value, float) and math.isnan(value)):
        return None
    return next((i for i, bound in enumerate(bounds) if value <= bound), len(bounds) - 1)


def colour(index: int | None, bounds: list[float]) -> str:
    """The fill of a class; with fewer classes than colours, the darkest colours are kept so high stays dark."""
    if index is None:
        return NO_FIGURE
    return PALETTE[len(PALETTE) - len(bounds) + index]


def legend_items(bounds: list[float], measure: str) -> list[tuple[str, str]]:
    """``[(colour, "up to 1.25"), …]`` and the grey for areas with no figure."""
    items, low = [], None
    for i, bound in enumerate(bounds):
        upper = format_value(measure, bound)
        items.append((colour(i, bounds), f"up to {upper}" if low is None else f"above {format_value(measure, low)} up to {upper}"))
        low = bound
    return items + [(NO_FIGURE, "no figure (no population loaded)")]


def board_title(level: str, within_name: str | None = None, category: str | None = None, delivery: str | None = None,
                fresh_only: bool = False) -> str:
    """A plain-English title for what was asked.

    >>> board_title("ward", "Trafford", "older-people", "in_person", True)
    'Coverage of older people: wards in Trafford, in person only (records checked recently only)'
    """
    from assetmap import taxonomy
    from assetmap.vocab import DELIVERY_LABELS

    what = taxonomy.label(category).lower() if category else "all activities"
    where = LEVEL_PLURALS.get(level, level)
    where = (where[0].lower() + where[1:] if level in ("ward", "lad") else where) + (f" in {within_name}" if within_name else "")
    how = f", {DELIVERY_LABELS.get(delivery, delivery).lower()} only" if delivery else ""
    return f"Coverage of {what}: {where}{how}" + (" (records checked recently only)" if fresh_only else "")


def _as_dict(row) -> dict:
    return row.as_dict() if hasattr(row, "as_dict") else dict(row)


def _leaflet_assets() -> tuple[str, str]:
    """Leaflet's script and style from the installed copy; a clear error when set-up has not copied it."""
    from assetmap.errors import AssetmapError

    for folder in VENDOR_DIRS:
        if (folder / "leaflet.js").is_file() and (folder / "leaflet.css").is_file():
            script = (folder / "leaflet.js").read_text(encoding="utf-8")
            script = "\n".join(line for line in script.splitlines() if not line.startswith("//# sourceMappingURL"))
            return script, (folder / "leaflet.css").read_text(encoding="utf-8")
    raise AssetmapError("Leaflet is not installed: run scripts/install_assets.sh (make install) to copy it from npm")


def _table_html(rows: list[dict], title: str) -> str:
    esc = html.escape
    head_top = "".join(f'<th scope="colgroup" colspan="2">{esc(label)}</th>' for label, _, _ in PAIRED_FIGURES)
    head_sub = '<th scope="col">All records</th><th scope="col">Checked recently</th>' * len(PAIRED_FIGURES)
    body = []
    for rank, row in enumerate(rows, 1):
        pairs = "".join(f'<td class="num">{format_value(a, row.get(a))}</td><td class="num">{format_value(b, row.get(b))}</td>'
                        for _, a, b in PAIRED_FIGURES)
        flag = "Flagged: high need, low access" if row.get("flagged") else ""
        body.append(f'<tr><td class="num">{rank}</td><th scope="row">{esc(str(row.get("name") or row.get("code")))}'
                    f' <span class="code">{esc(str(row.get("code")))}</span></th>'
                    f'<td class="num">{format_value("gap_score", row.get("gap_score"))}</td><td>{flag}</td>'
                    f'<td class="num">{format_value("population", row.get("population"))}</td>'
                    f'<td class="num">{format_value("imd_decile", row.get("imd_decile"))}</td>{pairs}'
                    f'<td class="num">{format_value("fresh_share", row.get("fresh_share"))}</td></tr>')
    return ('<div class="scroll" role="region" aria-label="Table of areas" tabindex="0">'
            f'<table><caption>{esc(title)}: areas ranked by gap score, highest need first</caption><thead>'
            '<tr><th scope="col" rowspan="2">Rank</th><th scope="col" rowspan="2">Area</th><th scope="col" rowspan="2">Gap score</th>'
            '<th scope="col" rowspan="2">Flag</th><th scope="col" rowspan="2">Population</th>'
            '<th scope="col" rowspan="2">Deprivation decile (1 = most deprived tenth of England)</th>'
            f'{head_top}<th scope="col" rowspan="2">Share of reaching records checked recently</th></tr>'
            f'<tr>{head_sub}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


BOARD_CSS = """
body { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: #0b0c0c; }
main { display: block; padding: 1rem; } .leaflet-container { background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .5rem; } .folium-map { height: 60vh !important; border: 1px solid #767676; margin: 1rem 0; }
.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; }
.swatch { display: inline-block; width: 1.2em; height: 1.2em; border: 1px solid #505a5f; vertical-align: middle; margin-right: .35rem; }
.scroll { overflow-x: auto; } table { border-collapse: collapse; } caption { text-align: left; font-weight: 700; padding: .5rem 0; }
th, td { border: 1px solid #767676; padding: .25rem .45rem; vertical-align: top; text-align: left; } .num { text-align: right; }
.code { color: #505a5f; font-weight: 400; font-size: .85em; display: block; }
"""


def write_html(rows, geojson: dict, title: str, out, measure: str = "gap_score", rule: str | None = None) -> Path:
    """Write one self-contained HTML file: heading, legend, choropleth of ``measure``, the ranked table.

    ``rows`` are coverage rows (or their dicts) in rank order; ``geojson`` the FeatureCollection of the
    same areas (properties as the rows). Returns the path written.
    """
    import folium
    from branca.element import Element

    from assetmap.coverage.gaps import GAP_SCORE_RULE

    rule = GAP_SCORE_RULE if rule is None else rule
    rows = [_as_dict(r) for r in rows]
    bounds = breaks([r.get(measure) for r in rows])
    script, style = _leaflet_assets()
    board = folium.Map(location=[53.0, -1.5], zoom_start=6, tiles=None, control_scale=True, attributionControl=False)
    board.default_js, board.default_css = [], []     # no CDN: Leaflet itself is inlined below
    figure = board.get_root()
    figure.title = html.escape(title)   # branca writes the title unescaped
    figure.header.add_child(Element(f"<style>{style}</style><style>{BOARD_CSS}</style>"), name="leaflet_css")
    figure.header.add_child(Element(f"<script>{script}</script>"), name="leaflet")
    figure.html.add_child(Element(_intro_html(title, measure, bounds, rule)), name="intro")
    features = [f for f in geojson.get("features", []) if f.get("geometry")]
    if features:
        layer = folium.GeoJson({"type": "FeatureCollection", "features": features}, name=MEASURES.get(measure, measure),
                               style_function=lambda f: _style(f["properties"], measure, bounds),
                               tooltip=folium.GeoJsonTooltip(fields=["name", measure], aliases=["Area", MEASURES.get(measure, measure)]))
        layer.add_to(board)
        board.fit_bounds(layer.get_bounds())
    page = figure.render()
    page = page.replace("<html>", '<html lang="en-GB">', 1)   # folium's page names no language and forbids zooming: undo both
    page = page.replace("user-scalable=no", "user-scalable=yes").replace("maximum-scale=1.0", "maximum-scale=5.0")
    page = page.replace("<body>", "<body><main>", 1)
    page = page.replace("</body>", _table_html(rows, title) + "\n</main></body>", 1)
    out = Path(out)
    out.write_text(page, encoding="utf-8")
    return out


def _style(props: dict, measure: str, bounds: list[float]) -> dict:
    flagged = bool(props.get("flagged"))
    return {"fillColor": colour(class_of(props.get(measure), bounds), bounds), "fillOpacity": 0.8,
            "color": "#0b0c0c" if flagged else "#505a5f", "weight": 3 if flagged else 1, "dashArray": "6 4" if flagged else None}


def _intro_html(title: str, measure: str, bounds: list[float], rule: str) -> str:
    esc = html.escape
    items = "".join(f'<li><span class="swatch" style="background:{c}"></span>{esc(text)}</li>' for c, text in legend_items(bounds, measure))
    items += '<li><span class="swatch" style="border:3px dashed #0b0c0c"></span>dashed heavy outline: flagged (high need, low access)</li>'
    method = f"<p>{esc(rule)}</p>" if rule else ""
    return (f"<h1>{esc(title)}</h1>{method}<h2>Map: {esc(MEASURES.get(measure, measure))}</h2>"
            f'<ul class="legend" aria-label="Map key">{items}</ul>')
