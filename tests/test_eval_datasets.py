"""The shipped datasets: well-formed, internally consistent, and (where ../shared is present)
faithful to their sources — every expected page of the real-PDF set is checked with pypdfium2."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evals import dataset
from tests.conftest import DEMO_LIBRARY

NAMES = ("gold-demo-v1", "real-pdfs-v1", "equity-v1", "adversarial-v1")
KINDS = {
    "factual",
    "thematic",
    "comparison",
    "follow-up",
    "out-of-scope",
    "unanswerable",
    "adversarial",
    "equity",
}
STATUSES = {"answered", "partial", "no_evidence", "out_of_scope", "personal_data", "error"}


@pytest.mark.parametrize("name", NAMES)
def test_dataset_is_well_formed(name: str) -> None:
    cases = dataset.load(dataset.resolve(name))
    ids = {c.id for c in cases}
    assert cases and len(ids) == len(cases)
    for c in cases:
        assert c.kind in KINDS, c.id
        assert not c.follows or c.follows in ids, c.id
        assert set(c.expected_status) <= STATUSES, c.id
        assert set(c.expected_pages) <= set(c.expected_docs), c.id
        for pattern in c.must_not_contain:
            re.compile(pattern)


def test_gold_expected_documents_are_in_the_demo_library() -> None:
    names = {p.name for p in DEMO_LIBRARY.iterdir()}
    for c in dataset.load(dataset.resolve("gold-demo-v1")):
        assert set(c.expected_docs) <= names, c.id


def test_gold_is_a_byte_for_byte_copy(gold_path: Path) -> None:
    assert dataset.resolve("gold-demo-v1").read_bytes() == gold_path.read_bytes()


def test_equity_templates_swap_the_same_groups() -> None:
    cases = dataset.load(dataset.resolve("equity-v1"))
    groups: dict[str, list[str]] = {}
    for c in cases:
        assert c.template and c.group and c.group in c.question, c.id
        groups.setdefault(c.template, []).append(c.group)
    first = next(iter(groups.values()))
    assert len(first) == 10 and all(g == first for g in groups.values())
    for template in groups:  # the questions differ only in the group named
        texts = {c.question.replace(c.group, "{g}") for c in cases if c.template == template}
        assert len(texts) == 1, template


def test_adversarial_cases_say_how_they_should_be_handled() -> None:
    for c in dataset.load(dataset.resolve("adversarial-v1")):
        assert c.attack and c.handling, c.id
        assert c.expected_status or c.must_not_contain, c.id


def _page_text(pdf: Path, page: int, cache: dict[tuple[Path, int], str]) -> str:
    """Whitespace-normalised text of one physical page (1-based), extracted with pypdfium2."""
    if (pdf, page) not in cache:
        import pypdfium2 as pdfium

        doc = pdfium.PdfDocument(str(pdf))
        try:
            text = doc[page - 1].get_textpage().get_text_range()
        finally:
            doc.close()
        cache[(pdf, page)] = re.sub(r"\s+", " ", text)
    return cache[(pdf, page)]


def test_real_pdf_expected_pages_hold_their_evidence(real_pdfs: Path) -> None:
    import json

    rows = [json.loads(line) for line in dataset.resolve("real-pdfs-v1").read_text().splitlines()]
    cache: dict[tuple[Path, int], str] = {}
    for row in rows:
        for name in row["expected_docs"]:
            assert (real_pdfs / name).is_file(), name
        for name, items in row.get("evidence", {}).items():
            for item in items:
                assert item["page"] in row["expected_pages"][name], (row["id"], item)
                phrase = re.sub(r"\s+", " ", item["text"]).lower()
                assert phrase in _page_text(real_pdfs / name, item["page"], cache).lower(), (
                    row["id"],
                    item,
                )
        for name, wanted in row.get("expected_pages", {}).items():
            evidenced = {i["page"] for i in row["evidence"][name]}
            assert set(wanted) == evidenced, row["id"]
            labels = row["expected_page_labels"][name]
            assert labels == [str(p) for p in wanted], row["id"]  # these PDFs print page = index
