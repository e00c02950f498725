"""Fuzzing the search parser through the real pages and API: any query and arguments, never a server error.

The query goes through words, synonyms, spelling, place names and the index's own parser; the
arguments through the shared parameter parsing. Hypothesis tries text people and attackers type
(operators, quotes, wildcards, other scripts, control characters, huge numbers) and checks that
every answer is a page or a JSON error, never a 500, and that the JSON API always answers JSON.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

WORDS = st.sampled_from(["walk", "walking", "lonely", "befriending", "near", "AND", "OR", "NOT", "*", "?", '"', "(", ")", "~2", "^3",
                         "title:", "name:x", "\\", "M33 7XW", "Sale", "Glossop", "café", "١٢٣", "²", "9" * 5000, "-1", "1e309", "NaN"])
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
QUERY = st.lists(WORDS | TEXT, max_size=6).map(" ".join)
NUMBER = st.sampled_from(["", "0", "-1", "²", "１２", "9" * 5000, "1.5", "abc", "20", "100000"]) | TEXT


@FUZZ
@given(q=QUERY, near=st.sampled_from(["", "M33 7XW", "Glossop", "SK13", "53.4,-2.3", "91,181", "NaN,NaN"]) | TEXT, page=NUMBER, per_page=NUMBER)
def test_any_query_and_arguments_answer_without_server_error(client, q, near, page, per_page):
    args = {"q": q, "near": near, "page": page, "per_page": per_page}
    api = client.get("/api/activities", query_string=args)
    assert api.status_code < 500, (args, api.status_code)
    assert api.is_json
    html = client.get("/", query_string=args, follow_redirects=True)
    assert html.status_code < 500, (args, html.status_code)
