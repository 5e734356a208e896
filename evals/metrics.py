"""Small named evaluators: each takes a Record and returns a MetricResult(name, value, passed, reason).

A value of None means "not applicable to this record" (for example retrieval metrics on a question
with no expected documents); summaries average only applicable values. ``default_evaluators`` lists
them in report order; the group-level equity metric lives in ``evals.equity``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Sequence

from assistant.text.normalisation import collapsed_whitespace
from assistant.types import Citation, Passage, Status
from evals import text as t
from evals.acceptance import acceptance_evaluators
from evals.judge import Judge, LexicalJudge
from evals.model import ANSWER_STATUSES, REFUSAL_STATUSES, MetricResult, Record
from evals.safety import safety

Evaluator = Callable[[Record], MetricResult]
REFUSED_WHEN_ANSWERABLE: tuple[Status, ...] = (
    "no_evidence",
    "out_of_scope",
    "personal_data",
    "error",
)
KEY_FACT_PASS = 0.5


def _na(name: str, reason: str) -> MetricResult:
    return MetricResult(name, None, None, reason)


# --- retrieval ------------------------------------------------------------------------------------


def _ranked(record: Record) -> Sequence[Passage]:
    return record.retrieved or record.answer.passages


def _retrieval_applicable(record: Record, name: str) -> MetricResult | None:
    if record.case.answerable is not True:
        return _na(name, "not an answerable question")
    if not record.expected.doc_ids:
        missing = ", ".join(record.expected.unresolved)
        return _na(name, f"expected documents not in the build: {missing}" if missing else "none")
    return None


def _found_docs(record: Record, k: int) -> list[str]:
    """Expected documents with a relevant passage in the top k, in rank order."""
    found: list[str] = []
    for p in _ranked(record)[:k]:
        if record.expected.relevant(p) and p.chunk.doc_id not in found:
            found.append(p.chunk.doc_id)
    return found


def _verdict(ok: bool, judged: bool) -> bool | None:
    """Graded diagnostics (``judged=False``) carry a value but no pass/fail of their own."""
    return ok if judged else None


def hit_at(k: int, *, judged: bool = True) -> Evaluator:
    name = f"hit@{k}"

    def evaluate(record: Record) -> MetricResult:
        if (na := _retrieval_applicable(record, name)) is not None:
            return na
        found = _found_docs(record, k)
        if found:
            return MetricResult(
                name, 1.0, _verdict(True, judged), f"found {found[0]} in the top {k}"
            )
        return MetricResult(
            name, 0.0, _verdict(False, judged), f"no expected document/page in the top {k}"
        )

    return evaluate


def recall_at(k: int, *, judged: bool = True) -> Evaluator:
    name = f"recall@{k}"

    def evaluate(record: Record) -> MetricResult:
        if (na := _retrieval_applicable(record, name)) is not None:
            return na
        expected = record.expected.doc_ids
        found = _found_docs(record, k)
        value = len(found) / len(expected)
        missing = [d for d in expected if d not in found]
        reason = "all expected documents found" if not missing else f"missing: {', '.join(missing)}"
        return MetricResult(name, value, _verdict(value == 1.0, judged), reason)

    return evaluate


def mrr(record: Record) -> MetricResult:
    """Graded: 1/rank of the first relevant passage (no pass/fail of its own)."""
    if (na := _retrieval_applicable(record, "mrr")) is not None:
        return na
    for p in _ranked(record):
        if record.expected.relevant(p):
            return MetricResult("mrr", 1.0 / p.rank, None, f"first relevant at rank {p.rank}")
    return MetricResult("mrr", 0.0, None, "no relevant passage retrieved")


def ndcg_at(k: int) -> Evaluator:
    """Graded. Binary gain for the first relevant passage of each expected document; ideal = all
    expected documents at the top."""
    name = f"ndcg@{k}"

    def evaluate(record: Record) -> MetricResult:
        if (na := _retrieval_applicable(record, name)) is not None:
            return na
        seen: set[str] = set()
        dcg = 0.0
        for i, p in enumerate(_ranked(record)[:k], start=1):
            if record.expected.relevant(p) and p.chunk.doc_id not in seen:
                seen.add(p.chunk.doc_id)
                dcg += 1.0 / math.log2(i + 1)
        ideal = sum(
            1.0 / math.log2(i + 1) for i in range(1, min(k, len(record.expected.doc_ids)) + 1)
        )
        value = dcg / ideal
        return MetricResult(name, value, None, f"DCG {dcg:.2f} of ideal {ideal:.2f} (graded)")

    return evaluate


# --- citations ------------------------------------------------------------------------------------


def citation_validity(record: Record) -> MetricResult:
    """Every citation points at a passage the answer was given, and every [n] has a citation."""
    a = record.answer
    used = set(t.markers(a.text))
    if not a.citations and not used:
        return _na("citation_validity", "no citations")
    given = {(p.chunk.chunk_id, p.chunk.doc_id) for p in a.passages}
    numbers = {c.n for c in a.citations}
    bad = [
        f"[{c.n}] {c.chunk_id} not among the passages"
        for c in a.citations
        if (c.chunk_id, c.doc_id) not in given
    ]
    bad += [f"[{n}] in the text has no citation" for n in sorted(used - numbers)]
    total = len(a.citations) + len(used - numbers)
    value = 1.0 - len(bad) / total
    return MetricResult("citation_validity", value, not bad, "; ".join(bad) or "all valid")


def _source_text(record: Record, c: Citation) -> str | None:
    pages = record.sources.get(c.doc_id)
    if pages is None:
        return None
    return collapsed_whitespace(
        " ".join(pages.get(i, "") for i in range(c.page_index_start, c.page_index_end + 1))
    )


def quote_fidelity(record: Record) -> MetricResult:
    """Every quote is verbatim (whitespace-normalised; ellipses split it) on its cited pages."""
    cites = [c for c in record.answer.citations if c.quote.strip()]
    if not cites:
        return _na("quote_fidelity", "no quotes")
    bad: list[str] = []
    for c in cites:
        source = _source_text(record, c)
        if source is None:
            bad.append(f"[{c.n}] document {c.doc_id} not in the build")
        elif not t.contains_in_order(source, t.fragments(c.quote)):
            pages = f"{c.page_index_start}-{c.page_index_end}"
            bad.append(f"[{c.n}] quote not on {c.doc_id} pages {pages}: {c.quote[:80]!r}")
    value = 1.0 - len(bad) / len(cites)
    return MetricResult("quote_fidelity", value, not bad, "; ".join(bad) or "all verbatim")


_HEADING = re.compile(r"^\s*(#+\s|\*\*[^*]+\*\*\s*[\w\s(),.'’-]*$|_[^_]+_$)")


def claims(text: str) -> list[str]:
    """The answer's statements: sentences with a marker, or substantial ones without headings."""
    out: list[str] = []
    for line in text.splitlines():
        if not line.strip() or (_HEADING.match(line) and not t.markers(line)):
            continue
        for sentence in t.sentences(line):
            body = t.strip_markers(sentence)
            if t.markers(sentence) or (len(t.content_words(body)) >= 5 and not body.endswith(":")):
                out.append(sentence)
    return out


def _evidence(record: Record) -> dict[int, str]:
    texts = {p.chunk.chunk_id: p.chunk.text for p in record.answer.passages}
    return {c.n: texts.get(c.chunk_id, c.quote) for c in record.answer.citations}


@dataclasses.dataclass(frozen=True)
class AlceScore:
    statements: int
    supported: int  # statements whose citations, together, support them
    cited: int  # citations on statements
    precise: int  # citations needed and supporting (ALCE precision numerator)
    notes: tuple[str, ...]


def alce_score(record: Record, judge: Judge) -> AlceScore | None:
    """ALCE-style scoring of an answer's statements; None when there is no answer to score."""
    if record.answer.status not in ANSWER_STATUSES:
        return None
    statements = claims(record.answer.text)
    if not statements:
        return None
    evidence = _evidence(record)
    supported = precise = cited = 0
    notes: list[str] = []
    for s in statements:
        refs = [n for n in dict.fromkeys(t.markers(s)) if n in evidence]
        cited += len(refs)
        if not refs:
            notes.append(f"uncited: {t.strip_markers(s)[:90]!r}")
            continue
        verdict = judge.supports(s, [evidence[n] for n in refs])
        if not verdict.supported:
            notes.append(f"unsupported ({verdict.reason}): {t.strip_markers(s)[:90]!r}")
            continue
        supported += 1
        precise += _precise(judge, s, refs, evidence, notes)
    return AlceScore(len(statements), supported, cited, precise, tuple(notes))


def alce(judge: Judge) -> tuple[Evaluator, Evaluator]:
    """Citation recall (statements supported by their citations) and precision (citations needed)."""
    memo: dict[tuple[str, str], AlceScore | None] = {}

    def scored(record: Record) -> AlceScore | None:
        key = (record.case.id, record.answer.text)
        if key not in memo:
            memo[key] = alce_score(record, judge)
        return memo[key]

    def recall(record: Record) -> MetricResult:
        s = scored(record)
        if s is None:
            return _na("citation_recall", "no answer statements")
        value = s.supported / s.statements
        summary = f"{s.supported}/{s.statements} statements supported ({judge.name})"
        reason = "; ".join([summary, *s.notes]) if s.notes else summary
        return MetricResult("citation_recall", value, value == 1.0, reason)

    def precision(record: Record) -> MetricResult:
        s = scored(record)
        if s is None or not s.cited:
            return _na("citation_precision", "no citations on answer statements")
        value = s.precise / s.cited
        reason = f"{s.precise}/{s.cited} citations needed and supporting ({judge.name})"
        return MetricResult("citation_precision", value, value == 1.0, reason)

    return recall, precision


def _precise(
    judge: Judge, s: str, refs: list[int], evidence: dict[int, str], notes: list[str]
) -> int:
    if len(refs) == 1:
        return 1
    count = 0
    for n in refs:
        alone = judge.supports(s, [evidence[n]]).supported
        rest = judge.supports(s, [evidence[m] for m in refs if m != n]).supported
        if alone or not rest:
            count += 1
        else:
            notes.append(f"[{n}] not needed for {t.strip_markers(s)[:60]!r}")
    return count


# --- answer content and honesty -------------------------------------------------------------------


def key_fact_recall(record: Record) -> MetricResult:
    case = record.case
    if case.answerable is not True or not case.key_facts:
        return _na("key_fact_recall", "no key facts for an answerable question")
    body = t.strip_markers(record.answer.text)
    missed = [f for f in case.key_facts if not t.fact_found(f, body)]
    value = 1.0 - len(missed) / len(case.key_facts)
    reason = "all key facts present" if not missed else "missing: " + "; ".join(missed)
    return MetricResult("key_fact_recall", value, value >= KEY_FACT_PASS, reason)


def abstention(record: Record) -> MetricResult:
    """On a question the library cannot answer: a refusal status (not a confident answer)."""
    if record.case.answerable is not False:
        return _na("abstention", "answerable question")
    ok = record.answer.status in REFUSAL_STATUSES
    return MetricResult("abstention", 1.0 if ok else 0.0, ok, f"status {record.answer.status}")


def false_refusal(record: Record) -> MetricResult:
    """On an answerable question: 1 when it was refused (lower is better)."""
    if record.case.answerable is not True:
        return _na("false_refusal", "not an answerable question")
    refused = record.answer.status in REFUSED_WHEN_ANSWERABLE
    return MetricResult(
        "false_refusal", 1.0 if refused else 0.0, not refused, f"status {record.answer.status}"
    )


def default_evaluators(judge: Judge | None = None) -> list[Evaluator]:
    recall, precision = alce(judge or LexicalJudge())
    return [
        hit_at(1, judged=False),
        hit_at(3, judged=False),
        hit_at(5),
        recall_at(5, judged=False),
        recall_at(10),
        mrr,
        ndcg_at(10),
        citation_validity,
        quote_fidelity,
        recall,
        precision,
        key_fact_recall,
        abstention,
        false_refusal,
        safety,
        *acceptance_evaluators(),
    ]


def evaluate(record: Record, evaluators: Sequence[Evaluator]) -> Record:
    return dataclasses.replace(record, results=tuple(e(record) for e in evaluators))
