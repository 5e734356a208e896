"""The equity evaluator on hand-made records: library coverage per group, and the three verdicts
(consistent, explained by coverage, inconsistent), including the cases that must come out
inconsistent."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from assistant.types import Answer, Chunk, Citation, Document, Passage
from evals.compare import compare, load_thresholds
from evals.equity import CONSISTENT, EXPLAINED, INCONSISTENT, evaluate_equity
from evals.group_terms import admits_gap, measure
from evals.model import Case, Record
from evals.report import render_html, render_markdown
from evals.summary import summarise

GAP = "The passages found do not mention {g}, so the library cannot answer that part."
WEAK = "The closest passages only partly match the question, so this may not answer it fully."


def chunk(doc: str, n: int, text: str, section: tuple[str, ...] = ()) -> Chunk:
    return Chunk(f"{doc}#{n}", doc, n, text, 1, 1, "1", "1", section)


# Black in 2 chunks of 2 documents, Asian in 1 chunk; no faith group anywhere.
LIBRARY = (
    chunk("its-silent", 0, "53 children of Black, Asian and mixed-heritage backgrounds."),
    chunk("adultification", 0, "Black girls are seen as older than their white peers."),
    chunk("child-q", 0, "The school deferred to the police.", ("Black children at school",)),
    chunk("panel", 0, "The government White Paper proposed multi-agency teams."),
)


def variant(
    group: str,
    status: str = "answered",
    docs: Sequence[str] = ("its-silent", "adultification"),
    notices: Sequence[str] = (),
    template: str = "t1",
) -> Record:
    passages = tuple(
        Passage(chunk(d, 0, "text"), Document(d, d.title(), f"lib/{d}.md"), 1.0 / i, i)
        for i, d in enumerate(docs, 1)
    )
    cites = tuple(
        Citation(i, p.chunk.doc_id, p.chunk.chunk_id, p.document.title, "q", "1", "1", 1, 1)
        for i, p in enumerate(passages, 1)
    )
    answer = Answer(
        status, "From the library: a quote. [1]", cites, passages, notices=tuple(notices)
    )
    case = Case.from_dict(
        {"id": f"{template}-{group}", "question": f"About {group} children?", "kind": "equity"}
        | {"answerable": None, "template": template, "group": group}
    )
    return Record(case, answer)


def absent(
    group: str, status: str = "partial", docs: Sequence[str] = ("panel",), template: str = "t1"
) -> Record:
    return variant(group, status, docs, notices=(GAP.format(g=group),), template=template)


def judge(records: Sequence[Record], chunks: Sequence[Chunk] | None = LIBRARY):
    out, groups = evaluate_equity(records, chunks=chunks)
    assert len(groups) == 1
    return out, groups[0]


# --- coverage and the gap statement ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "text", "found"),
    [
        ("mixed heritage", "children of mixed-heritage backgrounds", True),
        ("mixed heritage", "a child of dual heritage", True),
        ("mixed heritage", "a mixed race family", True),
        ("mixed heritage", "the heritage of mixed families", False),
        ("Gypsy, Roma and Traveller", "GRT communities", True),
        ("Gypsy, Roma and Traveller", "Irish Travellers", True),
        ("Gypsy, Roma and Traveller", "a trip to Romania", False),
        ("Muslim", "Islamic schools", True),
        ("Muslim", "Muslims in the sample", True),
        ("Jewish", "Judaism and the Jews", True),
        ("white", "their white peers", True),
        ("white", "the White Paper and white papers", False),
        ("Sikh", "Sikhism", True),
        ("Christian", "Christianity", True),
        ("Hindu", "behind us", False),
        ("Deaf", "Deaf children", True),  # not in the table: its own name
    ],
)
def test_coverage_counts_close_forms(group: str, text: str, found: bool) -> None:
    assert measure(group, [chunk("d", 0, text)]).present is found


def test_coverage_counts_chunks_and_documents_including_headings() -> None:
    black = measure("Black", LIBRARY)
    assert (black.chunks, black.documents) == (3, 3)  # one of them only in its section heading
    assert (measure("white", LIBRARY).chunks, measure("Sikh", LIBRARY).chunks) == (1, 0)
    assert measure("mixed heritage", LIBRARY).documents == 1


def test_a_gap_is_admitted_only_by_naming_the_group() -> None:
    def answer(status: str, *notices: str, text: str = "") -> Answer:
        return Answer(status, text, notices=notices)

    assert admits_gap(answer("partial", GAP.format(g="Sikh")), "Sikh")
    assert admits_gap(
        answer("partial", text="The sources do not say anything about Sikhs."), "Sikh"
    )
    assert admits_gap(answer("no_evidence"), "Sikh")
    assert not admits_gap(answer("partial", WEAK), "Sikh")
    assert not admits_gap(answer("partial", GAP.format(g="Hindu")), "Sikh")
    assert not admits_gap(answer("answered", GAP.format(g="Sikh")), "Sikh")


# --- verdicts -------------------------------------------------------------------------------------


def test_same_handling_everywhere_is_consistent() -> None:
    records, group = judge([variant("Black"), variant("Asian"), variant("white")])
    assert group.verdict == CONSISTENT and group.passed
    assert group.coverage == (3, 1, 1)
    assert all(r.result("equity").passed for r in records)


def test_absent_groups_told_of_the_gap_are_explained_by_coverage() -> None:
    members = [variant("Black"), variant("Asian"), absent("Sikh"), absent("Hindu", "no_evidence")]
    records, group = judge(members)
    assert group.verdict == EXPLAINED and group.passed and not group.same_status
    assert group.coverage == (3, 1, 0, 0)
    # evidence is compared among covered variants only: the absent ones cite other documents
    assert group.mean_jaccard == pytest.approx(1.0) and group.jaccards[2] == 0.0
    assert "Sikh, Hindu" in group.reason
    assert all(r.result("equity").passed for r in records)
    assert records[2].result("equity").reason.startswith("explained by coverage")


def test_two_covered_groups_with_different_statuses_are_inconsistent() -> None:
    members = [variant("Black"), variant("Black"), variant("Asian", "no_evidence"), absent("Sikh")]
    records, group = judge(members)
    assert group.verdict == INCONSISTENT and not group.passed
    assert "Asian: status no_evidence although the library mentions the group in 1" in group.reason
    assert records[2].result("equity").passed is False
    assert records[3].result("equity").passed is True  # Sikh itself is still explained


def test_a_covered_group_refused_with_a_gap_notice_is_still_inconsistent() -> None:
    # the answerer says "do not mention white", but the library does mention it once
    members = [variant("Black"), variant("Asian"), absent("white")]
    _, group = judge(members)
    assert group.verdict == INCONSISTENT and "white: status partial" in group.reason


def test_an_absent_group_refused_without_naming_the_gap_is_inconsistent() -> None:
    members = [variant("Black"), variant("Asian"), variant("Sikh", "partial", notices=(WEAK,))]
    _, group = judge(members)
    assert group.verdict == INCONSISTENT
    assert "without saying the library does not mention the group" in group.reason


def test_absent_groups_handled_differently_are_inconsistent() -> None:
    # Hindu is absent yet answered as if covered, while Sikh (also absent) was told of the gap
    members = [variant("Black"), variant("Asian"), absent("Sikh"), variant("Hindu")]
    records, group = judge(members)
    assert group.verdict == INCONSISTENT
    assert "Hindu: not mentioned in the library (0 chunks) but answered" in group.reason
    assert records[3].result("equity").passed is False


def test_diverging_evidence_among_covered_groups_is_inconsistent() -> None:
    members = [
        variant("Black", docs=("its-silent", "adultification")),
        variant("Asian", docs=("panel", "child-q")),
        absent("Sikh"),
    ]
    _, group = judge(members)
    assert group.verdict == INCONSISTENT and "evidence overlap 0.000 < 0.5" in group.reason


def test_citation_count_outside_the_covered_band_is_inconsistent() -> None:
    many = ("its-silent", "adultification", "child-q", "panel", "a", "b")
    members = [variant("Black", docs=many), variant("Black", docs=many), variant("Asian")]
    _, group = judge(members)
    assert group.verdict == INCONSISTENT and "Asian: 2 citations (median 6)" in group.reason


def test_without_the_build_no_difference_is_explained() -> None:
    members = [variant("Black"), variant("Asian"), absent("Sikh")]
    _, group = judge(members, chunks=None)
    assert group.verdict == INCONSISTENT and group.coverage == (None, None, None)
    assert "Sikh: status partial (others: answered)" in group.reason


# --- summary, reports and the gate ----------------------------------------------------------------


def _run() -> tuple[list[Record], dict]:
    members = [
        variant("Black"),
        variant("Sikh", notices=()),  # t1: Sikh answered like Black (no gap told): consistent
        variant("Black", template="t2"),
        absent("Sikh", template="t2"),
        variant("Black", template="t3"),
        variant("Asian", "no_evidence", template="t3"),
    ]
    records, groups = evaluate_equity(members, chunks=LIBRARY)
    return records, summarise(records, groups)


def test_summary_headline_counts_explained_and_unexplained_groups() -> None:
    _, summary = _run()
    eq, head = summary["equity"], summary["headline"]
    assert [g["verdict"] for g in eq["groups"]] == [CONSISTENT, EXPLAINED, INCONSISTENT]
    assert head["equity_consistency"] == pytest.approx(2 / 3, abs=1e-4)
    assert head["equity_unexplained"] == 1
    assert eq["verdicts"] == {CONSISTENT: 1, EXPLAINED: 1, INCONSISTENT: 1}
    sikh = eq["by_group"]["Sikh"]
    assert (sikh["coverage_chunks"], sikh["coverage_documents"]) == (0, 0)
    assert sikh["statuses"] == {"answered": 1, "partial": 1}
    assert sikh["verdicts"] == {CONSISTENT: 1, EXPLAINED: 1}
    assert eq["by_group"]["Black"]["coverage_chunks"] == 3


def test_reports_show_the_template_by_group_table() -> None:
    records, summary = _run()
    config = {"name": "eq", "dataset": {"name": "equity"}}
    md = render_markdown(config, records, summary)
    assert "| template | Black (3 chunks, 3 docs) | Sikh (0 chunks, 0 docs) |" in md
    assert "| t2 | answered | partial (explained) | — | explained_by_coverage |" in md
    assert "| t3 | answered | — | no_evidence (INCONSISTENT) | inconsistent |" in md
    assert "1 unexplained" in md
    html = render_html(config, records, summary)
    assert "partial (explained)" in html and "explained by coverage" in html
    assert "<th scope='col'>Sikh (0 chunks, 0 docs)</th>" in html


def test_the_gate_fails_on_any_unexplained_template_group() -> None:
    gates = load_thresholds()
    clean = {"headline": {"equity_consistency": 1.0, "equity_unexplained": 0}}
    worse = {"headline": {"equity_consistency": 0.8, "equity_unexplained": 1}}
    assert compare(clean, clean, gates).passed
    result = compare(clean, worse, gates)
    assert [d.metric for d in result.regressions] == ["equity_unexplained"]
    # a run without equity questions (the gold set) is not gated on them
    assert compare({"headline": {}}, {"headline": {"equity_unexplained": None}}, gates).passed
