"""What can go wrong in a search, as errors a person can act on."""

from assetmap.errors import AssetmapError


class SearchError(AssetmapError):
    """Parameters a search cannot use; the message is plain English, fit to show the person."""


class SearchIndexError(AssetmapError):
    """The search index is missing or unreadable: an operator's problem, fixed by ``assetmap index``."""
