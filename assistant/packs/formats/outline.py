"""The words every pack format shows, in one place: section titles, citation lines, labels.

Each format walks the same outline (``SECTIONS``) so a pack reads the same in DOCX, PDF,
Markdown and PPTX.
"""

from __future__ import annotations

from assistant.packs.comparison import ComparisonRow
from assistant.packs.session import CaseSummary, SessionPack, Source
from assistant.types import Citation

SEARCHED = "What was searched"
AIMS = "Aims"
POINTS = "Key learning points"
SUMMARIES = "Case summaries"
QUESTIONS = "Questions for discussion"
COMPARISON = "Across the library"
SOURCES = "Sources"
COMPARISON_HEADERS = ("Document", "Type", "Area", "Year", "Status", "Best quote", "Page")

TYPE_NAMES = {
    "national_review": "national review",
    "lcspr": "local child safeguarding practice review",
    "rapid_review": "rapid review",
    "serious_case_review": "serious case review",
}


def type_name(doc_type: str) -> str:
    return TYPE_NAMES.get(doc_type, doc_type.replace("_", " "))


def pages(c: Citation) -> str:
    if c.page_start == c.page_end:
        return f"page {c.page_start}"
    return f"pages {c.page_start}–{c.page_end}"


def citation_line(c: Citation) -> str:
    """'Title, Publisher, 2022, page 4'."""
    parts = [c.title, c.publisher, str(c.year) if c.year else ""]
    return ", ".join(p for p in parts if p) + f", {pages(c)}"


def link_of(c: Citation) -> str:
    return c.url


def meta_lines(pack: SessionPack) -> list[str]:
    lines = [
        f"Made: {pack.made[:10]} (UTC)",
        f"Library build: {pack.build_id} ({pack.build_date[:10] or 'date not recorded'})",
        f"Topic: {pack.topic}",
    ]
    if pack.bank_version:
        lines.append(f"Discussion questions from: {pack.bank_version}")
    return lines


def summary_line(s: CaseSummary) -> str:
    """'Briefing, Hackney, 2022. Addresses the topic.'"""
    what = ", ".join(
        p for p in (type_name(s.doc_type).capitalize(), s.area, str(s.year or "")) if p
    )
    return f"{what}. {'Addresses' if s.status == 'addresses' else 'Mentions'} the topic."


def row_cells(row: ComparisonRow) -> tuple[str, ...]:
    q = row.quote
    return (
        row.title,
        type_name(row.doc_type),
        row.area or "—",
        str(row.year or "—"),
        row.status_label,
        q.quote if q else "Not addressed",
        q.page_start if q else "—",
    )


def source_lines(s: Source) -> list[str]:
    head = ", ".join(p for p in (s.title, s.publisher, str(s.year or "")) if p)
    lines = [head, f"Link: {s.url or 'none recorded'}", f"Licence: {s.licence}"]
    if s.is_demo:
        lines.append("This is a demo-library briefing, not the official publication.")
    return lines


def file_stem(pack: SessionPack) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in (pack.theme_id or pack.topic).lower())
    return "session-pack-" + "-".join(words.split()[:8])
