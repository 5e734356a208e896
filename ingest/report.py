"""What an ingest run did, per document and in total: a readable table and a JSON form."""

from __future__ import annotations

import textwrap
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from assistant.errors import IngestError

Status = Literal["added", "updated", "unchanged", "removed", "skipped", "failed"]
SUCCESS: frozenset[str] = frozenset({"added", "updated", "unchanged"})
# Reasons a file is skipped (not a fault of the file's content); every other reason is a failure.
SKIP_REASONS: frozenset[str] = frozenset(
    {"unsupported", "too_large", "duplicate", "empty", "outside_library"}
)


@dataclass(frozen=True)
class DocumentOutcome:
    """One row of the report: a file given to the run, or a document of the previous build."""

    path: str
    doc_id: str
    status: Status
    reason: str = ""  # why skipped, failed or removed (empty otherwise)
    detail: str = ""
    pages: int = 0
    chunks: int = 0
    chunks_embedded: int = 0
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "doc_id": self.doc_id,
            "title": self.title,
            "status": self.status,
            "reason": self.reason,
            "detail": self.detail,
            "pages": self.pages,
            "chunks": self.chunks,
            "chunks_embedded": self.chunks_embedded,
        }


@dataclass(frozen=True)
class IngestReport:
    outcomes: tuple[DocumentOutcome, ...]
    chunks_embedded: int = 0
    chunks_reused: int = 0
    units_embedded: int = 0  # units of evidence embedded in this run (unchanged ones are reused)
    documents: int = 0  # documents in the build now served (or that would be, for a dry run)
    chunks: int = 0  # chunks in that build
    seconds: float = 0.0
    build_id: str = ""  # the build served after the run ("" when nothing could be built)
    previous_build_id: str = ""
    swapped: bool = False  # False when nothing changed (the served build stays) or on a dry run
    dry_run: bool = False
    demo: bool = False  # the build is the shipped demo library
    notes: tuple[str, ...] = ()

    @property
    def succeeded(self) -> int:
        return sum(1 for o in self.outcomes if o.status in SUCCESS)

    def counts(self) -> dict[str, int]:
        return dict(Counter(o.status for o in self.outcomes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": [o.to_dict() for o in self.outcomes],
            "totals": {
                "documents": self.documents,
                "chunks": self.chunks,
                "chunks_embedded": self.chunks_embedded,
                "chunks_reused": self.chunks_reused,
                "by_status": self.counts(),
            },
            "chunks_embedded": self.chunks_embedded,
            "chunks_reused": self.chunks_reused,
            "units_embedded": self.units_embedded,
            "seconds": round(self.seconds, 3),
            "build_id": self.build_id,
            "previous_build_id": self.previous_build_id,
            "swapped": self.swapped,
            "dry_run": self.dry_run,
            "demo": self.demo,
            "notes": list(self.notes),
        }


class NothingIngested(IngestError):
    """No given document could be ingested: no build was written and nothing was swapped."""

    def __init__(self, report: IngestReport) -> None:
        failed = len(report.outcomes)
        super().__init__("nothing_ingested", f"none of {failed} file(s) could be ingested")
        self.report = report


def render_table(report: IngestReport, *, width: int = 100) -> str:
    """A plain-text table for people: one line per document, then the totals."""
    rows = [("STATUS", "REASON", "PAGES", "CHUNKS", "EMBED", "DOCUMENT")]
    for o in report.outcomes:
        what = o.doc_id or o.path
        rows.append((o.status, o.reason, str(o.pages), str(o.chunks), str(o.chunks_embedded), what))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for row, detail in zip(rows, [""] + [o.detail for o in report.outcomes], strict=True):
        head = "  ".join(
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row[:5], widths, strict=True))
        )
        lines.append(f"{head}  {row[5]}")
        if detail:
            indent = " " * (len(head) + 4)
            lines.extend(
                indent + part for part in textwrap.wrap(detail, max(40, width - len(indent)))
            )
    lines.append("")
    lines.append(_summary(report))
    lines.extend(f"note: {n}" for n in report.notes)
    return "\n".join(lines)


def _summary(report: IngestReport) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in sorted(report.counts().items())) or "no documents"
    head = "dry run: " if report.dry_run else ""
    head += "DEMO LIBRARY: " if report.demo else ""
    if report.dry_run:
        served = "nothing written"
    elif report.swapped:
        served = f"now serving build {report.build_id}"
        if report.previous_build_id:
            served += f" (previous {report.previous_build_id} kept for rollback)"
    elif report.build_id:
        served = f"nothing changed: build {report.build_id} still served"
    else:
        served = "no build written; the served build is untouched"
    return (
        f"{head}{counts}. {report.documents} documents, {report.chunks} chunks; "
        f"{report.chunks_embedded} embedded, {report.chunks_reused} reused; "
        f"{report.seconds:.1f}s; {served}."
    )
