"""The silence map: every document against every race-related theme of the taxonomy.

Each cell is the comparison status (``addresses``, ``mentions`` or ``silent``) of one document for
one theme, decided by ``assistant.packs.comparison.compare`` with the theme's search question from the
reflective-question bank, and carries the best quote so the page can link to it. Column totals
count the silent documents per theme.

The map is cached per build: a JSON file under ``cache_dir/<build_id>/`` keyed by the filters, the
bank's version and search questions and ``CACHE_VERSION`` (bump it when the comparison logic
changes). It is computed on first request; writing it removes the caches of other builds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.packs.comparison import SUPPORTS, Comparison, EvidenceSource, as_filters, compare
from assistant.packs.question_bank import QuestionBank
from assistant.types import Filters

log = logging.getLogger(__name__)

# The race-related themes of the taxonomy (ids as in ingest/taxonomy.py and docs/themes.md).
RACE_THEMES: tuple[str, ...] = (
    "silence-on-racism",
    "adultification",
    "identity-and-heritage",
    "faith-and-culture",
    "language-and-interpreters",
    "immigration-status",
    "risk-assessment-bias",
)
CACHE_VERSION = 1


@dataclass(frozen=True)
class SilenceColumn:
    """One theme: its label, the question searched, and how many documents fall in each status."""

    theme_id: str
    label: str
    search: str
    addresses: int
    mentions: int
    silent: int


@dataclass(frozen=True)
class SilenceCell:
    theme_id: str
    status: str  # addresses | mentions | silent
    quote: str | None = None
    page: str | None = None
    viewer_url: str | None = None


@dataclass(frozen=True)
class SilenceRow:
    doc_id: str
    title: str
    doc_type: str
    year: int | None
    cells: tuple[SilenceCell, ...]  # in the order of SilenceMap.themes

    def cell(self, theme_id: str) -> SilenceCell:
        return next(c for c in self.cells if c.theme_id == theme_id)


@dataclass(frozen=True)
class SilenceMap:
    build_id: str
    bank_version: str
    filters: Filters
    themes: tuple[SilenceColumn, ...]
    rows: tuple[SilenceRow, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: ``{"build_id", "themes": [...], "rows": [{"doc_id", "title",
        "cells": {theme_id: status}}]}``; each row also has ``quotes`` for its non-silent cells."""
        return {
            "build_id": self.build_id,
            "bank_version": self.bank_version,
            "filters": self.filters.to_dict(),
            "themes": [vars_of(t) for t in self.themes],
            "rows": [_row_dict(r) for r in self.rows],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SilenceMap:
        themes = tuple(SilenceColumn(**t) for t in data["themes"])
        rows = tuple(_row_from(r, themes) for r in data["rows"])
        filters = Filters.from_dict(data.get("filters"))
        return cls(str(data["build_id"]), str(data["bank_version"]), filters, themes, rows)


def vars_of(column: SilenceColumn) -> dict[str, Any]:
    return dict(column.__dict__)


def _row_dict(row: SilenceRow) -> dict[str, Any]:
    quotes = {
        c.theme_id: {"quote": c.quote, "page": c.page, "viewer_url": c.viewer_url}
        for c in row.cells
        if c.quote
    }
    return {
        "doc_id": row.doc_id,
        "title": row.title,
        "doc_type": row.doc_type,
        "year": row.year,
        "cells": {c.theme_id: c.status for c in row.cells},
        "quotes": quotes,
    }


def _row_from(data: Mapping[str, Any], themes: tuple[SilenceColumn, ...]) -> SilenceRow:
    quotes = data.get("quotes") or {}
    cells = tuple(
        SilenceCell(t.theme_id, str(data["cells"][t.theme_id]), **quotes.get(t.theme_id, {}))
        for t in themes
    )
    return SilenceRow(data["doc_id"], data["title"], data["doc_type"], data["year"], cells)


# --- computing ----------------------------------------------------------------------------------


def silence_map(
    source: EvidenceSource,
    bank: QuestionBank,
    filters: Filters | Mapping[str, Any] | None = None,
    *,
    cache_dir: Path | None = None,
) -> SilenceMap:
    """The map for the served build: from the cache when there, else computed and cached."""
    wanted = as_filters(filters)
    build_id = source.index.build_id
    path = _cache_path(cache_dir, build_id, bank, wanted) if cache_dir else None
    cached = _read(path) if path else None
    if cached is not None:
        return cached
    result = compute(source, bank, wanted)
    if path:
        _write(path, result)
    return result


def cached(
    source: EvidenceSource,
    bank: QuestionBank,
    filters: Filters | Mapping[str, Any] | None,
    cache_dir: Path,
) -> SilenceMap | None:
    """The cached map for the served build, or None when it has not been computed yet."""
    return _read(_cache_path(cache_dir, source.index.build_id, bank, as_filters(filters)))


def compute(source: EvidenceSource, bank: QuestionBank, filters: Filters) -> SilenceMap:
    comparisons = {t: compare(source, bank.theme(t).search, filters) for t in RACE_THEMES}
    columns = tuple(_column(t, bank, comparisons[t]) for t in RACE_THEMES)
    documents = {r.doc_id: r for c in comparisons.values() for r in c.rows}
    rows = []
    for doc_id, first in sorted(documents.items(), key=lambda kv: kv[1].title.lower()):
        cells = tuple(_cell(t, doc_id, comparisons[t]) for t in RACE_THEMES)
        rows.append(SilenceRow(doc_id, first.title, first.doc_type, first.year, cells))
    return SilenceMap(source.index.build_id, bank.version, filters, columns, tuple(rows))


def _column(theme_id: str, bank: QuestionBank, comparison: Comparison) -> SilenceColumn:
    theme = bank.theme(theme_id)
    counts = {s: comparison.count(s) for s in SUPPORTS}
    return SilenceColumn(theme_id, theme.label, theme.search, **counts)


def _cell(theme_id: str, doc_id: str, comparison: Comparison) -> SilenceCell:
    row = next((r for r in comparison.rows if r.doc_id == doc_id), None)
    if row is None or row.quote is None or row.status == "silent":
        return SilenceCell(theme_id, row.status if row else "silent")
    q = row.quote
    return SilenceCell(theme_id, row.status, q.quote, q.page_start, q.viewer_url)


# --- the cache ----------------------------------------------------------------------------------


def _cache_path(cache_dir: Path, build_id: str, bank: QuestionBank, filters: Filters) -> Path:
    searches = {t: bank.theme(t).search for t in RACE_THEMES}
    key = json.dumps(
        [CACHE_VERSION, bank.version, searches, filters.to_dict()], sort_keys=True
    ).encode()
    return cache_dir / build_id / f"{hashlib.sha256(key).hexdigest()[:16]}.json"


def _read(path: Path) -> SilenceMap | None:
    try:
        return SilenceMap.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable silence-map cache %s: %s", path.name, type(exc).__name__)
        return None


def _write(path: Path, result: SilenceMap) -> None:
    """Atomic write; the caches of other builds are removed (a rollback recomputes)."""
    try:
        for other in path.parent.parent.glob("*"):
            if other.is_dir() and other.name != path.parent.name:
                shutil.rmtree(other, ignore_errors=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(result.to_dict(), ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only data dir serves uncached, it does not fail
        log.warning("could not cache the silence map: %s", exc.strerror)
