"""A result's ``<li>`` on the search page, rendered once per record version and kept; the request's own parts put in after.

Rendering twenty results through the template was the biggest part of a search page's time, though
what a result shows depends only on its record's version, its freshness that day and its area names
(what ``kept_views`` keeps the result's words by), the other listings of its group, and whether it has
a distance. Two things differ between searches showing the same result: the link's query (``back``,
the search to return to) and the distance. The result is rendered with a marker in their place, cut
at the markers and kept in pieces; each request joins the pieces with its own two values, escaped
as the template would have escaped them. A marker is a random word made at start, which no record
can hold; if a rendering holds it anyway it is not kept and the result is rendered plainly.
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable

from flask import current_app, request, url_for
from markupsafe import Markup, escape

from .kept_views import kept

MARK = f"kept{secrets.token_hex(12)}mark"   # where the link's query and the distance go


def result_item(view: dict, version: tuple[int, int] | None, key: Hashable, suffix: str) -> Markup:
    """The ``<li>`` of one result: ``view`` is its words (``public._view``) with ``distance`` and ``also``; ``key`` what
    else ``view`` depends on (as for ``kept_views``); ``suffix`` the query of its link ("?back=…", "" for none)."""
    distance = view["distance"]
    also = tuple((other.id, other.source) for other in view["also"])
    pieces = None if version is None else kept("result-html", version, (key, also, bool(distance), request.script_root),
                                                lambda: _pieces(view, bool(distance)))
    if pieces is None:   # nothing kept for a record without a version (SQLite): rendered as it is
        return _render(view | {"href": url_for("public.activity_page", activity_id=view["a"].id) + suffix})
    parts = [pieces[0]]
    for value, piece in zip((suffix, distance), pieces[1:]):   # in the order the template writes them
        parts += [escape(value), piece]
    return Markup("").join(parts)


def _pieces(view: dict, has_distance: bool) -> tuple[Markup, ...] | None:
    """The result rendered with markers for its link's query and its distance, cut there (None: a record held a marker).

    The distance is not written when the result says what area it serves instead: then there is one marker.
    """
    href = url_for("public.activity_page", activity_id=view["a"].id) + MARK
    html = str(_render(view | {"href": href, "distance": MARK if has_distance else ""}))
    pieces = html.split(MARK)
    if len(pieces) not in ((2, 3) if has_distance else (2,)):
        return None
    return tuple(Markup(piece) for piece in pieces)


def _render(view: dict) -> Markup:
    macro = current_app.jinja_env.get_template("_result.html").module.result
    return Markup(macro(view, view["a"]))
