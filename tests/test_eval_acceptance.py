"""The issue-8 evaluators and the Done-when table, on hand-made records, including the cases that
must fail (a refusal of an absent subject that is only `partial`, a quote-less lead, a retrieved
but uncited expected document, a request answered)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.types import Answer, Chunk, Citation, Document, LeadUnit, Passage
from cli.main import main
from evals import acceptance as acc
from evals import commands_eval
from evals.dataset import split_of
from evals.metrics import default_evaluators, evaluate
from evals.model import Case, Expected, Record
from evals.summary import summarise

QUOTE = "The review analysed 54 reviews, made up of 40 rapid reviews."


def passage(doc: str) -> Passage:
    chunk = Chunk(f"{doc}#0", doc, 0, QUOTE, 1, 1, "1", "1")
    return Passage(chunk, Document(doc, doc.title(), f"lib/{doc}.md"), 0.9, 1)


def cite(n: int, doc: str, quote: str = QUOTE) -> Citation:
    return Citation(n, doc, f"{doc}#0", doc.title(), quote, "1", "1", 1, 1)


def rec(
    status: str = "answered",
    text: str = f"{QUOTE} [1]",
    docs: tuple[str, ...] = ("silent",),
    *,
    lead: tuple[str, ...] = (),
    gaps: tuple[str, ...] = (),  # Answer.missing
    refusal: str | None = None,
    case_id: str = "x",
    **case: object,
) -> Record:
    cites = tuple(cite(i, d) for i, d in enumerate(docs, 1))
    answer = Answer(
        status,
        text,
        cites,
        tuple(passage(d) for d in docs),
        lead=tuple(LeadUnit(i, t) for i, t in enumerate(lead, 1)),
        missing=gaps,
        refusal=refusal,
    )
    data = {"id": case_id, "question": "q?", **case}
    return Record(Case.from_dict(data), answer, Expected(doc_ids=("silent",)))


ANSWERABLE = {"kind": "factual", "answerable": True, "key_facts": ["54 reviews"]}


def test_expected_document_must_be_cited_not_just_retrieved() -> None:
    assert acc.expected_doc_cited(rec(**ANSWERABLE)).passed is True
    other = acc.expected_doc_cited(rec(docs=("annual",), **ANSWERABLE))
    assert other.passed is False and "cites none of silent" in other.reason
    refused = acc.expected_doc_cited(rec("no_evidence", **ANSWERABLE))
    assert refused.value == 0.0 and "nothing cited as an answer" in refused.reason
    assert acc.expected_doc_cited(rec(kind="absent", answerable=False)).value is None


def test_a_key_fact_in_the_text_and_in_the_lead() -> None:
    assert acc.key_fact_in_answer(rec(**ANSWERABLE)).passed is True
    assert acc.key_fact_in_answer(rec(text="Nothing useful here.", **ANSWERABLE)).passed is False
    assert acc.lead_answers(rec(lead=(QUOTE,), **ANSWERABLE)).passed is True
    no_lead = acc.lead_answers(rec(**ANSWERABLE))
    assert no_lead.passed is False and "no lead unit" in no_lead.reason
    wrong = acc.lead_answers(rec(lead=("Leaders should act.",), **ANSWERABLE))
    assert wrong.passed is False and "no key fact in the 1 lead unit(s)" in wrong.reason


def test_absent_subjects_need_a_strict_refusal() -> None:
    absent = {"kind": "absent", "answerable": False, "subject": "vaping"}
    ok = acc.absent_refused(
        rec("no_evidence", "Nothing.", (), gaps=("vaping",), refusal="absent_subject", **absent)
    )
    assert ok.passed is True and "missing names 'vaping'" in ok.reason
    assert "(absent_subject)" in ok.reason
    # partial is not a refusal: nothing of an absent subject can be partly answered
    assert acc.absent_refused(rec("partial", gaps=("vaping",), **absent)).passed is False
    assert acc.absent_refused(rec("answered", **absent)).passed is False
    assert acc.absent_refused(rec(**ANSWERABLE)).value is None


def test_requests_are_declined_and_abstention_is_strict() -> None:
    request = {"kind": "request", "answerable": False}
    declined = rec("out_of_scope", "I cannot write that.", (), refusal="request", **request)
    assert acc.request_refused(declined).passed is True
    assert acc.request_refused(rec("answered", **request)).passed is False
    assert acc.request_refused(rec("partial", **request)).passed is False
    assert acc.correct_abstention(declined).passed is True
    unanswerable = {"kind": "unanswerable", "answerable": False}
    assert acc.correct_abstention(rec("partial", **unanswerable)).passed is False
    lenient = rec("partial", expected_status=["partial", "no_evidence"], **unanswerable)
    assert acc.correct_abstention(lenient).passed is True  # the case allows partial
    # absent subjects have their own metric; answerable questions are not abstention cases
    assert acc.correct_abstention(rec("no_evidence", kind="absent", answerable=False)).value is None
    assert acc.correct_abstention(rec(**ANSWERABLE)).value is None


def test_partly_covered_questions_should_be_partial_and_say_what_is_missing() -> None:
    part = {"kind": "partial", "answerable": True, "missing": ["interpreters"]}
    good = acc.partial_recognised(rec("partial", gaps=("interpreters",), **part))
    assert good.passed is True and "names what is missing" in good.reason
    silent = acc.partial_recognised(rec("answered", **part))
    assert silent.passed is False and "does not name what is missing" in silent.reason


def test_length_in_characters_and_units() -> None:
    r = rec(lead=(QUOTE,), docs=("silent", "annual"), **ANSWERABLE)
    assert acc.answer_chars(r).value == len(r.answer.text) and acc.answer_chars(r).passed is None
    assert acc.answer_units(r).value == 1.0  # the lead and both quotes are the same text
    two = Record(
        r.case,
        Answer(
            "answered",
            "a [1] b [2]",
            (cite(1, "silent"), cite(2, "annual", "Another quote.")),
            lead=(LeadUnit(1, QUOTE),),
        ),
    )
    assert acc.units(two) == 2
    assert acc.answer_chars(rec("no_evidence", **ANSWERABLE)).value is None


def _row(case_id: str, **metrics: float | None) -> dict:
    return {"id": case_id, "metrics": {k: {"value": v} for k, v in metrics.items()}}


def _ids_by_split() -> dict[str, list[str]]:
    ids: dict[str, list[str]] = {"tune": [], "test": []}
    n = 0
    while min(len(v) for v in ids.values()) < 3:
        ids[split_of(f"id{n}")].append(f"id{n}")
        n += 1
    return {split: found[:3] for split, found in ids.items()}


def test_acceptance_table_reports_every_split_against_its_target() -> None:
    ids = _ids_by_split()
    rows = [_row(i, expected_doc_cited=1.0, answer_chars=900.0) for i in ids["test"]]
    rows += [_row(i, expected_doc_cited=0.0, answer_chars=1500.0) for i in ids["tune"]]
    rows += [_row(ids["test"][0] + "x", absent_refused=None)]  # not applicable anywhere
    table = {row["metric"]: row for row in acc.acceptance(rows)}
    cited = table["expected_doc_cited"]
    assert cited["test"] == {"value": 1.0, "n": 3, "met": True}
    assert cited["tune"] == {"value": 0.0, "n": 3, "met": False}
    assert cited["all"]["value"] == 0.5 and cited["target"] == ">= 90%"
    chars = table["median_answer_chars"]
    assert (chars["test"]["value"], chars["tune"]["value"]) == (900.0, 1500.0)
    assert chars["test"]["met"] is True and chars["target"] == "<= 1000"
    assert table["absent_refused"]["test"] == {"value": None, "n": 0, "met": None}
    reported = table["median_answer_units"]  # a figure with no target is never "met"
    assert reported["target"] == "—" and reported["all"]["met"] is None
    text = acc.format_acceptance(acc.acceptance(rows))
    assert "expected document cited (answerable)" in text and "100.0% (n=3) ok" in text
    assert "0.0% (n=3) MISS" in text and "test split: 2/2 Done-when targets met" in text


def test_summary_and_reports_carry_splits_and_the_done_when_table() -> None:
    ids = _ids_by_split()
    records = [
        evaluate(rec(case_id=i, **ANSWERABLE), default_evaluators())
        for i in ids["tune"] + ids["test"]
    ]
    summary = summarise(records)
    assert set(summary["by_split"]) == {"tune", "test", "all"}
    assert summary["by_split"]["test"]["questions"] == 3
    assert summary["by_split"]["all"]["questions"] == 6
    assert summary["headline"]["median_answer_chars"] == len(f"{QUOTE} [1]")
    assert summary["headline"]["expected_doc_cited"] == 1.0
    metrics = {row["metric"] for row in summary["acceptance"]}
    assert {"key_fact_in_answer", "absent_refused", "false_refusal", "quote_fidelity"} <= metrics
    assert records[0].to_dict()["split"] == "tune"


def test_cli_acceptance_over_runs_named_in_the_results_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = _ids_by_split()
    for name, value in (("demo-run", 1.0), ("real-run", 0.0)):
        folder = tmp_path / name
        folder.mkdir()
        rows = [_row(i, absent_refused=value) for i in ids["test"]]  # no split field: from id
        (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    monkeypatch.setattr(commands_eval, "RESULTS", tmp_path)
    assert main(["eval", "acceptance", "demo-run", "real-run"]) == 0
    out = capsys.readouterr().out
    assert "over 6 questions from demo-run, real-run" in out
    assert "absent subject refused" in out and "50.0% (n=6) MISS" in out
    assert main(["eval", "acceptance", "no-such-run"]) == 2
