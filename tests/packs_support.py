"""Shared helpers for the session-pack, comparison and silence-map tests.

``small_assistant`` is a real Assistant (real Chroma, real BM25) over the three-document web test
build, embedded with the deterministic HashingEmbedder. ``assert_verbatim`` checks a citation's
quote against the build's page text at the cited page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.citations import check
from assistant.packs.evidence_source import evidence_source
from assistant.pipeline import build_assistant
from assistant.text.normalisation import quote_key
from assistant.types import Citation
from tests.fakes import HashingEmbedder
from tests.web_fakes import web_settings, write_small_build

SMALL_DOCUMENTS = ("adultification-briefing", "national-review-2022", "working-together-2023")


# The hashing embedder's test calibration (tests/fakes.py) is deliberately lenient; a document
# whose best unit shares no word with the question must not count as addressing it here, and
# its cosines run lower than the real model's (hence the lower relevance floor).
STRICTER = {"evidence_no_evidence": 0.3, "evidence_answered": 0.45, "relevance_threshold": 0.2}


def small_assistant(data_dir: Path) -> Any:
    settings = web_settings(data_dir, data_dir / "db.sqlite3", **STRICTER)
    write_small_build(settings)
    return evidence_source(build_assistant(settings, embedder=HashingEmbedder()))


def assert_verbatim(citation: Citation, index: Any) -> None:
    """The quote is on the cited physical page, word for word (after whitespace/quote folding)."""
    pages = [p for p in index.pages(citation.doc_id) if p.index == citation.page_index_start]
    assert pages, f"{citation.doc_id} has no page {citation.page_index_start}"
    assert citation.page_start == pages[0].label
    assert quote_key(citation.quote) in quote_key(pages[0].text), citation.quote
    assert check(citation, index)
    assert citation.verified


def pack_quotes(pack: Any) -> list[Citation]:
    return [p.citation for p in pack.points] + [q for s in pack.summaries for q in s.quotes]
