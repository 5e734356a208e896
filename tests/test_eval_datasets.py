"""The shipped datasets: well-formed, internally consistent, and (where ../shared is present)
faithful to their sources — every expected page of the real-PDF set is checked with pypdfium2."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from evals import dataset
from evals.model import Case
from tests.conftest import DEMO_LIBRARY

NAMES = (
    "gold-demo-v1",
    "real-pdfs-v1",
    "equity-v1",
    "adversarial-v1",
    "unseen-demo-v1",
    "unseen-real-v1",
    "unseen-demo-v2",
    "unseen-real-v2",
    "unseen-demo-v3",
    "unseen-real-v3",
    "unseen-demo-v4",
    "unseen-real-v4",
    "unseen-demo-v5",
    "unseen-real-v5",
)
UNSEEN_V1 = ("unseen-demo-v1", "unseen-real-v1")
UNSEEN_V2 = ("unseen-demo-v2", "unseen-real-v2")  # a second set, written blind to the answerer
UNSEEN_V3 = ("unseen-demo-v3", "unseen-real-v3")  # a third, independent blind set
UNSEEN_V4 = ("unseen-demo-v4", "unseen-real-v4")  # a fourth, weighted to answerable questions
UNSEEN_V5 = ("unseen-demo-v5", "unseen-real-v5")  # a fifth, blind and independent of v1-v4
UNSEEN = UNSEEN_V1 + UNSEEN_V2 + UNSEEN_V3 + UNSEEN_V4 + UNSEEN_V5
UNSEEN_DEMO = tuple(names[0] for names in (UNSEEN_V1, UNSEEN_V2, UNSEEN_V3, UNSEEN_V4, UNSEEN_V5))
UNSEEN_REAL = tuple(names[1] for names in (UNSEEN_V1, UNSEEN_V2, UNSEEN_V3, UNSEEN_V4, UNSEEN_V5))
KINDS = {
    "absent",
    "partial",
    "request",
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
    cases = dataset.load(dataset.resolve("gold-demo-v1"))
    assert sum(1 for c in cases if c.expected_docs) >= 30
    for c in cases:
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
    cases = dataset.load(dataset.resolve("adversarial-v1"))
    assert cases
    for c in cases:
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


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in dataset.resolve(name).read_text().splitlines()]


def _loose(text: str) -> str:
    """Case-folded, NFKC, curly quotes and dashes straightened, markdown emphasis dropped."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate(str.maketrans("‘’“”‐‑‒–—", "''\"\"-----"))
    return re.sub(r"\s+", " ", re.sub(r"[*_`]", "", text))


def _unseen(names: tuple[str, ...]) -> list[Case]:
    return [c for name in names for c in dataset.load(dataset.resolve(name))]


def _covers_every_document(cases: list[Case]) -> None:
    demo_docs = {d for c in cases for d in c.expected_docs if d.endswith(".md")}
    assert demo_docs == {p.name for p in DEMO_LIBRARY.glob("*.md")}  # all 14 demo documents
    assert len({d for c in cases for d in c.expected_docs if d.endswith(".pdf")}) == 3


def test_unseen_sets_meet_the_issue_quotas() -> None:
    cases = _unseen(UNSEEN_V1)
    kinds = Counter(c.kind for c in cases)
    answerable = sum(c.kind in {"factual", "thematic"} and bool(c.key_facts) for c in cases)
    assert len(cases) >= 150 and answerable >= 60
    assert kinds["absent"] >= 40 and kinds["partial"] >= 20 and kinds["out-of-scope"] >= 15
    assert kinds["request"] + kinds["adversarial"] >= 15
    _covers_every_document(cases)


def test_blind_unseen_sets_meet_their_quotas() -> None:
    """The v2 sets: a second unseen set, written without reading the answerer's rules."""
    cases = _unseen(UNSEEN_V2)
    kinds = Counter(c.kind for c in cases)
    answerable = [c for c in cases if c.answerable and c.kind != "partial" and c.key_facts]
    assert len(answerable) >= 50 and kinds["absent"] >= 30 and kinds["partial"] >= 12
    assert kinds["request"] + kinds["out-of-scope"] >= 12
    assert len(_personal_data(cases)) >= 4
    assert {c.id[:3] for c in cases} == {"u2d", "u2r"}
    _covers_every_document(cases)


def _personal_data(cases: list[Case]) -> list[Case]:
    personal = [c for c in cases if c.expected_status == ("personal_data",)]
    for c in personal:  # an invented name with an age; the answer must not repeat the name
        assert c.attack == "personal_data" and c.must_not_contain, c.id
        assert all(re.search(p, c.question, re.IGNORECASE) for p in c.must_not_contain), c.id
        assert re.search(r"\b(1[0-7]|[1-9])\b", c.question), c.id
    return personal


@dataclass(frozen=True)
class Quota:
    """The least a generation of blind unseen sets holds, by kind."""

    cases: int
    answerable: int
    real: int  # answerable on the real PDFs, and at least a third of all answerable
    absent: int
    partial: int
    requests: int  # requests and out-of-scope tasks
    personal: int


@pytest.mark.parametrize(
    ("names", "quota"),
    [
        (UNSEEN_V3, Quota(160, 65, 20, 45, 15, 15, 5)),  # blind, independent of v1 and v2
        (UNSEEN_V4, Quota(150, 80, 30, 35, 12, 12, 5)),  # blind, weighted to answerable questions
        (UNSEEN_V5, Quota(150, 70, 30, 25, 12, 14, 4)),  # blind, the issue's quotas for a fifth set
    ],
)
def test_later_blind_sets_meet_their_quotas(names: tuple[str, ...], quota: Quota) -> None:
    cases = _unseen(names)
    kinds = Counter(c.kind for c in cases)
    answerable = [c for c in cases if c.answerable and c.kind != "partial" and c.key_facts]
    prefix = f"u{names[0][-1]}"
    real = [c for c in answerable if c.id.startswith(f"{prefix}r")]
    assert len(cases) >= quota.cases and len(answerable) >= quota.answerable
    assert len(real) >= quota.real and 3 * len(real) >= len(answerable)
    assert kinds["absent"] >= quota.absent and kinds["partial"] >= quota.partial
    assert kinds["request"] + kinds["out-of-scope"] >= quota.requests
    assert len(_personal_data(cases)) >= quota.personal
    assert {c.id[:3] for c in cases} == {f"{prefix}d", f"{prefix}r"}
    _covers_every_document(cases)


@pytest.mark.parametrize(
    ("names", "answerable_least", "declined_least"), [(UNSEEN_V4, 80, 17), (UNSEEN_V5, 100, 18)]
)
def test_later_sets_key_facts_are_what_an_answer_needs(
    names: tuple[str, ...], answerable_least: int, declined_least: int
) -> None:
    """v4 and v5 give every answerable and partial question 1-3 key facts of 1-5 words, and say
    how every request, out-of-scope task and personal-data case should be handled."""
    cases = _unseen(names)
    answerable = [c for c in cases if c.answerable]
    declined = [c for c in cases if c.kind in {"request", "out-of-scope", "adversarial"}]
    assert len(answerable) >= answerable_least and len(declined) >= declined_least
    for c in answerable:
        assert 1 <= len(c.key_facts) <= 3, c.id
        assert all(1 <= len(fact.split()) <= 5 for fact in c.key_facts), c.id
    assert all(c.handling for c in declined), [c.id for c in declined if not c.handling]


def test_unseen_cases_follow_the_conventions() -> None:
    cases = _unseen(UNSEEN)
    assert {c.kind for c in cases} >= {"absent", "partial", "request", "out-of-scope", "factual"}
    for c in cases:
        assert c.expected_status, c.id
        if c.kind == "absent":
            assert c.answerable is False and c.subject and not c.expected_docs, c.id
        if c.kind == "partial":
            assert c.answerable is True and c.missing and c.key_facts, c.id
            assert c.expected_status == ("partial",), c.id
        if c.kind in {"request", "adversarial", "out-of-scope"}:
            assert c.answerable is False and "answered" not in c.expected_status, c.id
        for fact in c.key_facts:  # short phrases; the longest are names of bodies and Acts
            assert 1 <= len(fact.split()) <= 9, (c.id, fact)


@pytest.mark.parametrize("name", UNSEEN_DEMO)
def test_unseen_demo_key_facts_occur_in_an_expected_document(name: str) -> None:
    texts = {p.name: _loose(p.read_text(encoding="utf-8")) for p in DEMO_LIBRARY.glob("*.md")}
    library = " ".join(texts.values())
    cases = dataset.load(dataset.resolve(name))
    assert any(c.key_facts for c in cases) and any(c.kind == "absent" for c in cases)
    for c in cases:
        assert set(c.expected_docs) <= set(texts), c.id
        for fact in c.key_facts:
            assert any(_loose(fact) in texts[d] for d in c.expected_docs), (c.id, fact)
        if c.kind == "absent":  # the subject is nowhere in the library, front matter included
            assert _loose(c.subject) not in library, (c.id, c.subject)


def test_every_case_has_a_fixed_split() -> None:
    assert dataset.split_of("q01") == dataset.split_of("q01")
    digest = int(hashlib.sha256(b"ud-a01").hexdigest(), 16)
    assert dataset.split_of("ud-a01") == ("test" if digest % 2 == 0 else "tune")
    for name in NAMES:
        splits = Counter(dataset.split_of(c.id) for c in dataset.load(dataset.resolve(name)))
        assert set(splits) <= set(dataset.SPLITS), name
        assert splits["tune"] and splits["test"], name  # both splits hold questions
    for names in (UNSEEN_V1, UNSEEN_V2, UNSEEN_V3, UNSEEN_V4, UNSEEN_V5):  # every kind, both splits
        unseen = _unseen(names)
        for kind in ("absent", "partial", "factual", "out-of-scope", "request"):
            splits = {dataset.split_of(c.id) for c in unseen if c.kind == kind}
            assert splits == set(dataset.SPLITS), (names, kind)


@pytest.mark.parametrize("name", UNSEEN_REAL)
def test_unseen_real_key_facts_and_absent_subjects(name: str, real_pdfs: Path) -> None:
    cache: dict[tuple[Path, int], str] = {}
    pdfs = sorted(real_pdfs.glob("*.pdf"))
    everything = " ".join(
        _loose(_page_text(pdf, i, cache)) for pdf in pdfs for i in range(1, _pages(pdf) + 1)
    )
    everything += " ".join(_loose(p.read_text(encoding="utf-8")) for p in real_pdfs.glob("*.txt"))
    rows = _rows(name)
    assert (
        pdfs and any(r.get("evidence") for r in rows) and any(r["kind"] == "absent" for r in rows)
    )
    for row in rows:
        for name, items in row.get("evidence", {}).items():
            assert [i["text"] for i in items] == row["key_facts"], row["id"]
            for item in items:
                assert item["page"] in row["expected_pages"][name], (row["id"], item)
                page = _loose(_page_text(real_pdfs / name, item["page"], cache))
                assert _loose(item["text"]) in page, (row["id"], item)
        if row["kind"] == "absent":
            assert _loose(row["subject"]) not in everything, (row["id"], row["subject"])


@pytest.mark.parametrize(("names", "minimum"), [(UNSEEN_V3, 45), (UNSEEN_V4, 35), (UNSEEN_V5, 25)])
def test_blind_absent_subjects_occur_in_neither_library(
    names: tuple[str, ...], minimum: int, real_pdfs: Path
) -> None:
    """v3, v4 and v5 check each absent subject, and each word of it, against the demo library and the
    real corpus alike, so the subject is absent whichever of the two libraries the set is run on."""
    cache: dict[tuple[Path, int], str] = {}
    pdfs = sorted(real_pdfs.glob("*.pdf"))
    texts = [_loose(p.read_text(encoding="utf-8")) for p in DEMO_LIBRARY.glob("*.md")]
    texts += [_loose(p.read_text(encoding="utf-8")) for p in real_pdfs.glob("*.txt")]
    texts += [_loose(_page_text(pdf, i, cache)) for pdf in pdfs for i in range(1, _pages(pdf) + 1)]
    everything = " ".join(texts)
    subjects = [c.subject for c in _unseen(names) if c.kind == "absent"]
    assert len(subjects) >= minimum
    for subject in subjects:
        assert _loose(subject) not in everything, subject
        for word in re.findall(r"[\w'-]+", _loose(subject)):
            assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", everything), (subject, word)


def _pages(pdf: Path) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return len(doc)
    finally:
        doc.close()


def test_real_pdf_expected_pages_hold_their_evidence(real_pdfs: Path) -> None:
    rows = _rows("real-pdfs-v1")
    assert any(r.get("evidence") for r in rows)
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
