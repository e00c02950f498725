"""What can go wrong in ingest as an exception (bad rows are not exceptions: they are Rejections)."""

from assetmap.errors import AssetmapError


class IngestError(AssetmapError):
    """An ingest that cannot go ahead; the message says what to fix."""


class ReadError(IngestError):
    """A file or feed that cannot be read at all; the message names it and says why."""
