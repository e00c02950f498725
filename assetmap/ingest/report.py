"""What a run did, for the person who ran it: counts, then the problems with their line numbers.

The JSON form is a contract other work relies on: ``counts`` (read, accepted, updated, unchanged,
flagged, rejected, duplicate, blank, closed) and ``rows`` (one per input row: line, outcome, id,
reasons), plus the file, format, ORUK profile and the records closed. Linked tables add outcomes
``location`` and ``linked`` (rows that feed a join rather than become records; counted only when
present), ``ids`` on a row that became several activities, and ``tables`` (each table's role and counts).
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Mapping
from typing import Any

from assetmap.ingest.dedupe import Duplicate, duplicate_problem
from assetmap.ingest.records import Folded, Problem, RawRow, Rejection, Repeat, Unchanged

OUTCOMES = ("accepted", "updated", "unchanged", "flagged", "rejected", "duplicate", "blank")
FOLD_ORDER = ("rejected", "flagged", "accepted", "updated", "unchanged", "duplicate")   # a row that became several activities
SHOWN_PROBLEMS = 20


@dataclasses.dataclass
class RowResult:
    """What happened to one input row."""

    line: int
    outcome: str
    id: str | None = None
    reasons: list[str] = dataclasses.field(default_factory=list)
    file: str = ""
    ids: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class ProblemLine:
    """A problem found in one row, for the report's list."""

    file: str
    line: int
    problem: Problem

    def describe(self) -> str:
        return self.problem.describe(self.line)


@dataclasses.dataclass
class IngestReport:
    file: str
    format: str
    profile: str = ""
    source: str = ""
    dry_run: bool = False
    full_import: bool = True
    rows: list[RowResult] = dataclasses.field(default_factory=list)
    problems: list[ProblemLine] = dataclasses.field(default_factory=list)
    closed: list[dict[str, str]] = dataclasses.field(default_factory=list)
    duplicates: list[dict[str, str]] = dataclasses.field(default_factory=list)
    organisations: dict[str, int] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    changed_ids: list[str] = dataclasses.field(default_factory=list)
    conflicts: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    run_id: int | None = None
    table_roles: dict[str, str] = dataclasses.field(default_factory=dict)   # linked tables: file (or book#sheet) → role
    encoding: str = ""   # the text encoding(s) the input was read in ("utf-8", "utf-16-le", "cp1252"…); empty for a workbook

    @property
    def counts(self) -> dict[str, int]:
        by_outcome = collections.Counter(row.outcome for row in self.rows)
        folded = {o: n for o, n in by_outcome.items() if o not in OUTCOMES}
        counts = {"read": len(self.rows), **{o: by_outcome.get(o, 0) for o in OUTCOMES}, **folded, "closed": len(self.closed)}
        return counts

    @property
    def tables(self) -> list[dict[str, Any]]:
        """Each linked table: its file, its role, and the outcomes of its rows."""
        by_file: dict[str, collections.Counter] = {file: collections.Counter() for file in self.table_roles}
        for row in self.rows:
            by_file.setdefault(row.file, collections.Counter())[row.outcome] += 1
        return [{"file": file, "table": self.table_roles.get(file, ""), "read": sum(c.values()), **dict(c)} for file, c in by_file.items()]

    def fold_expanded(self) -> None:
        """Linked tables: one row per input row (a service at several venues gave one per activity), each problem once."""
        self.rows = fold_rows(self.rows)
        seen: set[tuple] = set()
        problems = []
        for p in self.problems:
            key = (p.file, p.line, p.problem)
            if key not in seen:
                seen.add(key)
                problems.append(p)
        self.problems = problems

    def to_json(self) -> dict[str, Any]:
        rows = []
        for row in self.rows:
            entry = {"line": row.line, "outcome": row.outcome, "id": row.id, "reasons": row.reasons}
            if row.file and row.file != self.file:
                entry["file"] = row.file
            if len(row.ids) > 1:
                entry["ids"] = row.ids
            rows.append(entry)
        return {
            "file": self.file, "format": self.format, "profile": self.profile, "source": self.source, "encoding": self.encoding,
            "dry_run": self.dry_run, "full_import": self.full_import, "counts": self.counts, "rows": rows,
            "problems": [{"file": p.file, "line": p.line, "field": p.problem.field, "reason": p.problem.reason,
                          "value": p.problem.value, "message": p.describe()} for p in self.problems],
            "closed": self.closed, "duplicates": self.duplicates, "organisations": self.organisations,
            "notes": self.notes, "conflicts": self.conflicts, "run_id": self.run_id,
            **({"tables": self.tables} if self.table_roles else {}),
        }

    def to_text(self, shown: int = SHOWN_PROBLEMS) -> str:
        lines = [self._heading(), " · ".join(f"{key} {value}" for key, value in self.counts.items())]
        lines += [f"Note: {note}" for note in self.notes]
        lines += [f"  {t['file']} ({t['table']}): " + " · ".join(f"{k} {v}" for k, v in t.items() if k not in ("file", "table"))
                  for t in (self.tables if self.table_roles else ())]
        if self.problems:
            lines.append(f"Problems (first {min(shown, len(self.problems))} of {len(self.problems)}):")
            lines += [f"  {p.describe()}" + (f"  [{p.file}]" if p.file != self.file else "") for p in self.problems[:shown]]
        if self.closed:
            lines.append(f"Closed (missing from this full import of {self.source}): {len(self.closed)}")
            lines += [f"  {c['id']}  {c['name']}" for c in self.closed[:shown]]
        if self.conflicts:
            lines.append(f"Fields a person edited that this source gives differently: {len(self.conflicts)}")
            lines += [f"  {describe_conflict(c)}" for c in self.conflicts[:shown]]
        if self.duplicates:
            lines.append(f"Likely duplicates of records from other sources (linked, not merged): {len(self.duplicates)}")
        if self.organisations:
            lines.append("Organisations: " + ", ".join(f"{k} {v}" for k, v in self.organisations.items()))
        return "\n".join(lines)

    def _heading(self) -> str:
        profile = f", looks like {self.profile}" if self.profile and self.profile != self.format else ""
        profile += f", read as {self.encoding}" if self.encoding else ""
        mode = " [dry run: nothing written]" if self.dry_run else "" if self.full_import else " [partial import]"
        return f"Ingested {self.file} ({self.format}{profile}) as source \"{self.source}\"{mode}"


def describe_conflict(conflict: Mapping[str, Any]) -> str:
    """One line for a person: whose value stands and what the source now says."""
    said, current = conflict["source_value"], conflict["current"]
    who = conflict["edited_by"].removeprefix("editor:")
    if conflict["kept"] == "edit":
        return (f"{conflict['activity_id']}  {conflict['field']}: kept {current!r} set by {who}; "
                f"the source says {said!r} (kept for an editor to settle)")
    return f"{conflict['activity_id']}  {conflict['field']}: the source changed it to {said!r} since {who} set {current!r}"


def row_result(raw: RawRow, cleaned, outcomes: Mapping[str, str], dropped: Mapping[int, Duplicate], superseded: set[int],
               ids_by_line: Mapping[int, str | None]) -> RowResult:
    """The report row for one input row, whatever became of it (``dropped`` is keyed by ``id()`` of the draft)."""
    if cleaned is None:
        return RowResult(raw.line, "blank", file=raw.file)
    if isinstance(cleaned, Rejection):
        return RowResult(raw.line, "rejected", None, [cleaned.reason], raw.file)
    if isinstance(cleaned, Folded):
        return RowResult(raw.line, cleaned.outcome, cleaned.id, list(cleaned.reasons), raw.file)
    if isinstance(cleaned, Repeat):
        return RowResult(raw.line, "duplicate", ids_by_line.get(cleaned.first_line), ["exact_duplicate"], raw.file)
    if isinstance(cleaned, Unchanged):
        if raw.line in superseded:
            return RowResult(raw.line, "duplicate", cleaned.id, ["conflicting_duplicate"], raw.file)
        return RowResult(raw.line, "unchanged", cleaned.id, cleaned.flags, raw.file)
    if id(cleaned) in dropped:
        return RowResult(raw.line, "duplicate", cleaned.id, [dropped[id(cleaned)].reason], raw.file)
    reasons = ["deleted_in_feed"] if getattr(cleaned, "deleted", False) else cleaned.flags
    return RowResult(raw.line, outcomes[cleaned.id], cleaned.id, reasons, raw.file)


def row_problems(raw: RawRow, cleaned, dropped: Mapping[int, Duplicate], superseded: set[int]) -> list[ProblemLine]:
    """The problems one input row contributes to the report's list."""
    if cleaned is None:
        return []
    if isinstance(cleaned, Rejection):
        return [ProblemLine(raw.file, raw.line, cleaned.problem)]
    if isinstance(cleaned, Folded):
        return [ProblemLine(raw.file, raw.line, p) for p in cleaned.problems]
    if isinstance(cleaned, Repeat):
        return [ProblemLine(raw.file, raw.line, Problem("", "exact_duplicate", "", f"repeats row {cleaned.first_line} exactly (kept once)"))]
    if isinstance(cleaned, Unchanged):
        if raw.line in superseded:
            return [ProblemLine(raw.file, raw.line, Problem("", "conflicting_duplicate", "", "has the same id as a later row, which was kept"))]
        return [ProblemLine(raw.file, raw.line, Problem("", flag, "", f"{flag} (unchanged since the last run)")) for flag in cleaned.flags]
    found = [ProblemLine(raw.file, raw.line, p) for p in cleaned.problems]
    if id(cleaned) in dropped:
        found.append(ProblemLine(raw.file, raw.line, duplicate_problem(dropped[id(cleaned)])))
    return found


def fold_rows(rows: list[RowResult]) -> list[RowResult]:
    """One report row per input row: a service at several venues gave consecutive rows, one per activity."""
    folded: list[RowResult] = []
    for row in rows:
        last = folded[-1] if folded else None
        if last is None or (last.file, last.line) != (row.file, row.line):
            folded.append(dataclasses.replace(row, ids=[row.id] if row.id else []))
            continue
        last.outcome = min(last.outcome, row.outcome, key=lambda o: FOLD_ORDER.index(o) if o in FOLD_ORDER else len(FOLD_ORDER))
        last.reasons = list(dict.fromkeys(last.reasons + row.reasons))
        last.ids += [row.id] if row.id and row.id not in last.ids else []
    return folded
