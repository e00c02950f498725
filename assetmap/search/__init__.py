"""Search: one query function over the embedded Whoosh index or PostgreSQL full-text search.

Web pages, the API and the CLI use only what is exported here; Whoosh never appears outside this
package. See ``query.search_activities`` for the steps and ``index`` for keeping the index in step.
"""

from assetmap.search.background import IndexFeed
from assetmap.search.errors import SearchError, SearchIndexError
from assetmap.search.index import build_index, check_index, update_index
from assetmap.search.near import NearPoint
from assetmap.search.params import SearchHit, SearchParams, SearchResults
from assetmap.search.query import search_activities, search_all, search_all_ids, warm_search

__all__ = [
    "IndexFeed", "NearPoint", "SearchError", "SearchHit", "SearchIndexError", "SearchParams", "SearchResults",
    "build_index", "check_index", "search_activities", "search_all", "search_all_ids", "update_index", "warm_search",
]
