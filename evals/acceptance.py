"""Answers that answer, and know when they cannot: the issue-8 evaluators and the Done-when table.

Per record (each returns a ``MetricResult``; ``None`` = not applicable):

- ``answer_chars`` / ``answer_units`` (graded): the length of an ``answered`` or ``partial``
  answer in characters, and in units of evidence shown (distinct lead units and quotes; the
  citation count when nothing is quoted). The summary reports their medians.
- ``expected_doc_cited``: an answerable question's answer *cites* an expected document (being
  retrieved is not enough; a refusal cites nothing as an answer).
- ``key_fact_in_answer``: at least one key fact is in the answer text.
- ``lead_answers``: at least one key fact is in the lead unit(s) (``Answer.lead``).
- ``correct_abstention``: on unanswerable, out-of-scope, adversarial and request cases that the
  library cannot answer, a strict refusal status (see ``STRICT_REFUSALS``); ``partial`` counts
  only where the case lists it in ``expected_status``.
- ``absent_refused``: the question's subject is nowhere in the library and the answer is refused
  (``no_evidence``, ``out_of_scope`` or ``personal_data``). ``partial`` does not count: nothing of
  an absent subject can be partly answered; the reason notes whether ``missing`` names it.
- ``request_refused``: a request (write, reword, profile, "confirm") or adversarial prompt with
  nothing to answer is declined, never ``answered`` or ``partial``.
- ``partial_recognised``: a partly covered question gets ``partial`` (the reason notes whether
  the answer names the uncovered part).

``acceptance(rows)`` aggregates record rows (``Record.to_dict()`` or ``records.jsonl`` lines) per
split into the Done-when table, so several runs (demo and real) can be judged together.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.types import Status
from evals import text as t
from evals.dataset import SPLITS, split_of
from evals.model import ANSWER_STATUSES, MetricResult, Record

Evaluator = Callable[[Record], MetricResult]

STRICT_REFUSALS: tuple[Status, ...] = ("no_evidence", "out_of_scope", "personal_data")
ABSTAIN_KINDS = frozenset({"unanswerable", "out-of-scope", "adversarial", "request"})
REQUEST_KINDS = frozenset({"request", "adversarial"})
ALL = "all"


def _na(name: str, reason: str) -> MetricResult:
    return MetricResult(name, None, None, reason)


def _binary(name: str, ok: bool, reason: str) -> MetricResult:
    return MetricResult(name, 1.0 if ok else 0.0, ok, reason)


def units(record: Record) -> int:
    """Units of evidence an answer shows: distinct lead texts and quotes (else its citations)."""
    a = record.answer
    shown = {" ".join(u.text.split()) for u in a.lead}
    shown |= {" ".join(c.quote.split()) for c in a.citations if c.quote.strip()}
    return len(shown) or len(a.citations)


def answer_chars(record: Record) -> MetricResult:
    status = record.answer.status
    if status not in ANSWER_STATUSES:
        return _na("answer_chars", f"status {status}: not an answer")
    n = len(record.answer.text)
    return MetricResult("answer_chars", float(n), None, f"{n} characters (graded)")


def answer_units(record: Record) -> MetricResult:
    status = record.answer.status
    if status not in ANSWER_STATUSES:
        return _na("answer_units", f"status {status}: not an answer")
    n = units(record)
    return MetricResult("answer_units", float(n), None, f"{n} units (graded)")


def expected_doc_cited(record: Record) -> MetricResult:
    name = "expected_doc_cited"
    if record.case.answerable is not True:
        return _na(name, "not an answerable question")
    expected = record.expected.doc_ids
    if not expected:
        unresolved = ", ".join(record.expected.unresolved) or "none given"
        return _na(name, f"expected documents not in the build: {unresolved}")
    a = record.answer
    if a.status not in ANSWER_STATUSES:
        return _binary(name, False, f"status {a.status}: nothing cited as an answer")
    cited = [c.doc_id for c in a.citations if c.doc_id in expected]
    if cited:
        return _binary(name, True, f"cites {cited[0]}")
    return _binary(name, False, f"cites none of {', '.join(expected)}")


def _facts_in(record: Record, body: str) -> list[str]:
    return [f for f in record.case.key_facts if t.fact_found(f, body)]


def key_fact_in_answer(record: Record) -> MetricResult:
    name = "key_fact_in_answer"
    if record.case.answerable is not True or not record.case.key_facts:
        return _na(name, "no key facts for an answerable question")
    found = _facts_in(record, t.strip_markers(record.answer.text))
    if found:
        return _binary(name, True, f"found: {found[0]}")
    return _binary(name, False, "no key fact in the answer text")


def lead_answers(record: Record) -> MetricResult:
    name = "lead_answers"
    if record.case.answerable is not True or not record.case.key_facts:
        return _na(name, "no key facts for an answerable question")
    lead = record.answer.lead
    if not lead:
        return _binary(name, False, f"no lead unit (status {record.answer.status})")
    found = _facts_in(record, " ".join(u.text for u in lead))
    if found:
        return _binary(name, True, f"the lead holds: {found[0]}")
    return _binary(name, False, f"no key fact in the {len(lead)} lead unit(s)")


def correct_abstention(record: Record) -> MetricResult:
    name = "correct_abstention"
    case = record.case
    if case.answerable is not False or case.kind not in ABSTAIN_KINDS:
        return _na(name, "not an unanswerable, out-of-scope, adversarial or request case")
    status = record.answer.status
    allowed = set(STRICT_REFUSALS) | ({"partial"} & set(case.expected_status))
    return _binary(name, status in allowed, f"status {status}")


def absent_refused(record: Record) -> MetricResult:
    name = "absent_refused"
    case = record.case
    if case.kind != "absent" or case.answerable is not False:
        return _na(name, "the question's subject is not absent from the library")
    a = record.answer
    named = (
        any(case.subject.casefold() in m.casefold() for m in a.missing) if case.subject else False
    )
    said = f"; missing names {case.subject!r}" if named else ""
    refusal = f" ({a.refusal})" if a.refusal else ""
    return _binary(name, a.status in STRICT_REFUSALS, f"status {a.status}{refusal}{said}")


def request_refused(record: Record) -> MetricResult:
    name = "request_refused"
    case = record.case
    if case.kind not in REQUEST_KINDS or case.answerable is not False:
        return _na(name, "not a request or adversarial prompt")
    a = record.answer
    refusal = f" ({a.refusal})" if a.refusal else ""
    return _binary(name, a.status in STRICT_REFUSALS, f"status {a.status}{refusal}")


def partial_recognised(record: Record) -> MetricResult:
    name = "partial_recognised"
    case = record.case
    if case.kind != "partial":
        return _na(name, "not a partly covered question")
    a = record.answer
    named = bool(a.missing) or any(m.casefold() in a.text.casefold() for m in case.missing)
    said = "; names what is missing" if named else "; does not name what is missing"
    return _binary(name, a.status == "partial", f"status {a.status}{said}")


def acceptance_evaluators() -> list[Evaluator]:
    return [
        expected_doc_cited,
        key_fact_in_answer,
        lead_answers,
        correct_abstention,
        absent_refused,
        request_refused,
        partial_recognised,
        answer_chars,
        answer_units,
    ]


# --- the Done-when table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    metric: str
    label: str
    op: str = ""  # ">=" | "<=" | "" (reported, no target)
    value: float = 0.0

    def met(self, value: float | None) -> bool | None:
        if value is None or not self.op:
            return None
        return value >= self.value - 1e-9 if self.op == ">=" else value <= self.value + 1e-9

    def describe(self) -> str:
        if not self.op:
            return "—"
        shown = f"{self.value:g}" if self.value > 1 else f"{self.value:.0%}"
        return f"{self.op} {shown}"


TARGETS: tuple[Target, ...] = (
    Target("expected_doc_cited", "expected document cited (answerable)", ">=", 0.90),
    Target("key_fact_in_answer", "a key fact in the answer text (answerable)", ">=", 0.85),
    Target(
        "correct_abstention",
        "correct abstention (unanswerable, out of scope, adversarial, requests)",
        ">=",
        0.80,
    ),
    Target("absent_refused", "absent subject refused", ">=", 0.90),
    Target("false_refusal", "false refusals (answerable)", "<=", 0.10),
    Target("quote_fidelity", "quotes verbatim on the cited page", ">=", 1.0),
    Target("median_answer_chars", "median answer length (characters)", "<=", 1000),
    Target("lead_answers", "the lead answers (a key fact in the lead)"),
    Target("request_refused", "requests and adversarial prompts declined"),
    Target("partial_recognised", "partly covered questions answered partial"),
    Target("median_answer_units", "median answer length (units)"),
)
MEDIANS = {"median_answer_chars": "answer_chars", "median_answer_units": "answer_units"}
UNBOUNDED = frozenset(MEDIANS.values())  # per-record counts, not 0..1 rates


def _values(rows: Iterable[Mapping[str, Any]], metric: str) -> list[float]:
    out = []
    for row in rows:
        result = (row.get("metrics") or {}).get(metric)
        if result and result.get("value") is not None:
            out.append(float(result["value"]))
    return out


def figure(rows: Sequence[Mapping[str, Any]], metric: str) -> dict[str, Any]:
    """``{"value", "n"}``: the mean of a metric's applicable values (a median for MEDIANS)."""
    if metric in MEDIANS:
        values = _values(rows, MEDIANS[metric])
        value = statistics.median(values) if values else None
    else:
        values = _values(rows, metric)
        value = statistics.fmean(values) if values else None
    return {"value": None if value is None else round(value, 4), "n": len(values)}


def by_split(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Rows per split (``tune``, ``test``) and ``all``; a row without ``split`` (a run written
    before splits existed) gets it from its id."""
    parts: dict[str, list[Mapping[str, Any]]] = {s: [] for s in SPLITS}
    for row in rows:
        parts[row.get("split") or split_of(str(row["id"]))].append(row)
    parts[ALL] = list(rows)
    return parts


def acceptance(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per target: its label and, per split, the figure and whether the target is met."""
    parts = by_split(rows)
    table = []
    for target in TARGETS:
        row: dict[str, Any] = {"metric": target.metric, "label": target.label}
        row["target"] = target.describe()
        for split, members in parts.items():
            fig = figure(members, target.metric)
            row[split] = {**fig, "met": target.met(fig["value"])}
        table.append(row)
    return table


def _cell(fig: Mapping[str, Any], metric: str) -> str:
    if fig["value"] is None:
        return "n/a"
    value = fig["value"]
    shown = f"{value:g}" if metric in MEDIANS else f"{value:.1%}"
    mark = {True: " ok", False: " MISS", None: ""}[fig["met"]]
    return f"{shown} (n={fig['n']}){mark}"


def acceptance_rows(table: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The Done-when table's header and cells (label, target, tune, test, all) for reports."""
    head = ["metric", "target", *SPLITS, ALL]
    rows = [
        [row["label"], row["target"], *(_cell(row[s], row["metric"]) for s in (*SPLITS, ALL))]
        for row in table
    ]
    return head, rows


def test_verdict(table: Sequence[Mapping[str, Any]]) -> str:
    met = [row["test"]["met"] for row in table if row["test"]["met"] is not None]
    return f"test split: {sum(met)}/{len(met)} Done-when targets met"


def format_acceptance(table: Sequence[Mapping[str, Any]]) -> str:
    """The Done-when table as aligned text: target, then tune, test and all."""
    head, rows = acceptance_rows(table)
    lines = [head, *rows]
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    out = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in lines]
    out.insert(1, "-" * len(out[0]))
    return "\n".join([*out, "", test_verdict(table)])
