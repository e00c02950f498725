"""The mass-closing guard: a full import that would close much of a source closes nothing.

A full re-import closes the source's records it no longer holds. That is right for a complete file
and a disaster for a truncated one (the first 10 lines of a 320-row sheet closed 299 records, and
exited 0). So a full import that would close more than ``ASSETMAP_MAX_CLOSING_SHARE`` of the
source's open records is refused whole, naming the count, unless the person says it is meant
(``--allow-closing``). Small sources are spared the share test: closing up to
``ASSETMAP_CLOSING_GUARD_FROM`` records (5) is always allowed, or a source of 4 could never lose one.
"""

from __future__ import annotations

import dataclasses

from assetmap.config import Settings
from assetmap.ingest.errors import IngestError


class ClosingRefused(IngestError):
    """A full import that would close more of a source than the guard allows; nothing was written."""


@dataclasses.dataclass(frozen=True)
class ClosingGuard:
    max_share: float = 0.25
    always_allowed: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> ClosingGuard:
        return cls(settings.max_closing_share, settings.closing_guard_from)

    def allows(self, closing: int, open_records: int) -> bool:
        return closing <= self.always_allowed or closing <= self.max_share * open_records

    def check(self, source: str, closing: int, open_records: int) -> None:
        """Raise ClosingRefused when closing ``closing`` of ``open_records`` is more than allowed."""
        if self.allows(closing, open_records):
            return
        raise ClosingRefused(
            f'this full import of source "{source}" would close {closing} of its {open_records} open records '
            f"({closing / open_records:.0%}; at most {self.max_share:.0%} may close, ASSETMAP_MAX_CLOSING_SHARE), "
            "so nothing was written. If the input is complete, run again with --allow-closing; "
            "if it holds only some of the source's records, use --partial.")
