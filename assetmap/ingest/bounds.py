"""Bounded input: every file and feed is read within limits from settings, checked while streaming.

A hostile or broken file (a zip bomb, a million-row sheet, a 1 GB cell, JSON nested 100,000 deep)
must end in one clear error naming the file, the row and the limit, in seconds and bounded memory,
never in a traceback or a machine out of memory. Each check here runs before the costly step it
guards: the file's size before reading it, a workbook's unpacked sizes before unpacking, a record's
depth before anything recurses into it. The rows read before a limit are counted in the message;
nothing is written when a read stops, so a re-run after fixing the file starts from the same place.
"""

from __future__ import annotations

import dataclasses
import os
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from assetmap.ingest.errors import ReadError

# A workbook member this large that packed more than this many to one is a bomb, not a sheet:
# real sheets pack 5-20 to 1, a column of one repeated value perhaps 100.
BOMB_MIN_BYTES = 10_000_000
BOMB_RATIO = 200


@dataclasses.dataclass(frozen=True)
class ReadLimits:
    """The limits one read works within (``ASSETMAP_MAX_*`` settings; defaults for a reader used alone)."""

    max_file_bytes: int = 500_000_000
    max_cell: int = 10_000_000
    max_rows: int = 1_000_000
    max_depth: int = 64
    max_unzipped: int = 1_000_000_000

    @classmethod
    def from_settings(cls, settings) -> ReadLimits:
        return cls(settings.max_file_bytes, settings.max_cell_bytes, settings.max_rows,
                   settings.max_json_depth, settings.max_unzipped_bytes)


def stopped(file: str, where: str, what: str, setting: str, read: int | None = None) -> ReadError:
    """The one message shape for a limit: file, row, limit, and what was read before it."""
    before = "" if read is None else f"; {read_before(read)}"
    return ReadError(f"{file}: {where}: {what} (the limit is {setting}){before}")


def read_before(count: int, noun: str = "row") -> str:
    """"the 3 rows before it were read, and nothing was written": what a stopped read did."""
    counted = f"the 1 {noun} before it was" if count == 1 else f"the {count:,} {noun}s before it were"
    return f"{counted} read, and nothing was written"


def check_file_size(path: str | Path, limits: ReadLimits) -> None:
    """Refuse a local file larger than the limit before reading a byte of it."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return  # the read itself says why it cannot open the file
    if size > limits.max_file_bytes:
        raise stopped(str(path), "whole file", f"{size:,} bytes is too large to read",
                      f"ASSETMAP_MAX_FILE_BYTES={limits.max_file_bytes:,}")


def check_workbook(path: str | Path, limits: ReadLimits) -> None:
    """Refuse a workbook that would unpack past the limit, from its zip directory, before unpacking.

    The sizes a zip declares bound what Python's ``zipfile`` will inflate, so they can be trusted here.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (OSError, zipfile.BadZipFile):
        return  # not a zip: openpyxl's own error says the file is not a workbook
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped:
        raise stopped(str(path), "whole workbook", f"it unpacks to {total:,} bytes",
                      f"ASSETMAP_MAX_UNZIPPED_BYTES={limits.max_unzipped:,}")
    for member in members:
        if member.file_size > BOMB_MIN_BYTES and member.file_size > BOMB_RATIO * max(member.compress_size, 1):
            raise stopped(str(path), f"part {member.filename}",
                          f"{member.compress_size:,} bytes unpack to {member.file_size:,}, which only a zip bomb does",
                          f"{BOMB_RATIO} to 1 past {BOMB_MIN_BYTES:,} bytes")


def counted(file: str, rows: Iterable[Any], limits: ReadLimits) -> Iterator[Any]:
    """The rows (RawRows, with ``.line``), stopping with a clear error past ``max_rows``."""
    for count, row in enumerate(rows, 1):
        if count > limits.max_rows:
            raise stopped(getattr(row, "file", file), f"row {getattr(row, 'line', count)}", f"more than {limits.max_rows:,} rows",
                          "ASSETMAP_MAX_ROWS", read=limits.max_rows)
        yield row


def too_deep(value: Any, max_depth: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``max_depth`` levels; iterative, so it cannot overflow."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
