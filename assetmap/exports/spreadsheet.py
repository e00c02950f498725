"""CSV for spreadsheets: UTF-8 with a byte-order mark (so Excel reads the accents), text cells guarded.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula, so a record named ``=HYPERLINK("http://evil","Click")``
would run in the spreadsheet of whoever opens the export. Every such text cell gets a leading
apostrophe, the spreadsheet convention for "this is text" (OWASP's advice for CSV injection).
Numbers the directory itself wrote (coordinates, distances) are numbers and stay as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 200


def guard_cell(value: Any) -> str:
    """One cell as text a spreadsheet will never run.

    >>> guard_cell('=HYPERLINK("http://x")'), guard_cell("+44 161 000"), guard_cell(-2.3), guard_cell(True)
    ('\\'=HYPERLINK("http://x")', "'+44 161 000", '-2.3', 'yes')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


Column = tuple[str, Callable[[dict], Any]]   # heading, and how to read it from an item


def csv_chunks(items: Iterable[dict], columns: Sequence[Column]) -> Iterator[str]:
    """The BOM and heading row, then the rows ``ROWS_PER_CHUNK`` at a time (``\\r\\n`` line ends, as RFC 4180 says)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([heading for heading, _ in columns])
    yield BOM + _drain(buffer)
    for n, item in enumerate(items, start=1):
        writer.writerow([guard_cell(read(item)) for _, read in columns])
        if n % ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    rest = _drain(buffer)
    if rest:
        yield rest


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
