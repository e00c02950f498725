"""The root of assetmap's own errors.

Every error a person can fix (a missing extension, a file that cannot be read, a bad search) is an
``AssetmapError`` whose message says what went wrong and how to put it right. The CLI prints those
as one line and exits non-zero; anything else is a bug and keeps its traceback. Bad rows in a file
are not exceptions: they are ``Rejection`` values, because rejected rows are data we keep.
"""

from __future__ import annotations


class AssetmapError(Exception):
    """An expected failure with a message fit to show the person who can fix it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
