"""Concise composition: the lead unit(s) that answer, then the few further units worth adding,
within a budget, none repeating another (ADR 12)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.evidence.calibration import Calibration
from assistant.evidence.kinds import kind_matches
from assistant.evidence.selection import ScoredUnit
from assistant.text.question import Question, analyse, parts
from assistant.text.terms import stems

MAX_UNITS = 4
MAX_PER_DOCUMENT = 3
CHAR_BUDGET = 700  # characters of quotes after the lead
MAX_COSINE = 0.88
MAX_JACCARD = 0.6
W_NEW = 0.2  # weight of the question's words a further unit adds to those already chosen
NEW_WORDS = 3  # a unit adding fewer new word stems than this repeats what it is compared with
PART_COVER = 0.5  # a part of a compound question whose terms no unit covers this well is missing


def choose(
    scored: Sequence[ScoredUnit],
    question: Question,
    cal: Calibration,
    max_units: int = MAX_UNITS,
    part_answers: Sequence[ScoredUnit] = (),
    weights: Mapping[str, float] | None = None,
) -> tuple[tuple[ScoredUnit, ...], tuple[ScoredUnit, ...]]:
    """The lead unit (with, for a compound question, the unit answering each further part),
    then the further units worth adding."""
    best = fitting(scored, question, cal) or scored[0]
    lead = [best]
    if (echoes(best, question) or asks_what_followed(question.text)) and (
        follow := continuation(best, scored)
    ) is not None:
        lead.append(follow)  # the best unit only restates the question: the answer follows it
    weights = weights or {}
    budget = CHAR_BUDGET
    for answer in part_answers:
        if len(lead) < max_units and not any(
            _same(answer, u) or redundant(answer, u) for u in lead
        ):
            lead.append(answer)  # each part of the question answered up front
            budget -= len(answer.unit.text)
    chosen = list(lead)
    per_doc: dict[str, int] = {}
    for unit in lead:
        per_doc[unit.document.doc_id] = per_doc.get(unit.document.doc_id, 0) + 1
    floor = max(cal.relative * scored[0].score, cal.no_evidence)
    pool = [u for u in scored if u.score >= floor and not any(_same(u, v) for v in lead)]
    total = sum(weights.values()) or 1.0
    said = set().union(*(stems(u.unit.text) for u in lead)) if weights else set()
    while pool and len(chosen) < max_units:
        # a unit saying something the chosen ones have not (a word of the question they lack)
        # goes before one repeating them
        cand = max(pool, key=lambda u: u.score + W_NEW * _adds(u, said, weights) / total)
        pool.remove(cand)
        doc = cand.document.doc_id
        if per_doc.get(doc, 0) >= MAX_PER_DOCUMENT or len(cand.unit.text) > budget:
            continue
        if any(redundant(cand, other) for other in chosen):
            continue
        chosen.append(cand)
        said |= set(stems(cand.unit.text))
        per_doc[doc] = per_doc.get(doc, 0) + 1
        budget -= len(cand.unit.text)
    return tuple(lead), tuple(chosen[len(lead) :])


_SENTENCE = re.compile(r"[^.?!]+[.?!]*")


def aside_terms(text: str) -> set[str]:
    """Words said only around the question, not in it: in "How well was disability recorded?
    I've heard there were big gaps.", the second sentence's words."""
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    asked = [s for s in sentences if s.endswith("?")]
    if not asked or len(asked) == len(sentences):
        return set()
    inside = {t for s in asked for t in stems(s)}
    return {t for s in sentences if not s.endswith("?") for t in stems(s)} - inside


def _adds(unit: ScoredUnit, said: set[str], weights: Mapping[str, float]) -> float:
    """The weight of the question's words ``unit`` holds that ``said`` does not."""
    new = set(stems(unit.unit.text)) - said
    return sum(w for t, w in weights.items() if t in new)


def fitting(
    scored: Sequence[ScoredUnit], question: Question, cal: Calibration
) -> ScoredUnit | None:
    """The best unit, or, when the question asks for a kind of answer the best does not hold,
    the best that holds it within ``Calibration.relative`` of the best."""
    if not scored:
        return None
    best = scored[0]
    if question.kind == "any":
        return best
    if question.parts:  # the kind asked in the first part; the others have their own leads
        first = analyse(question.parts[0])
        fits = [first.kind != "any" and kind_matches(first, u.unit) for u in scored]
    else:
        fits = [u.kind_ok for u in scored]
    if fits[0] or not any(fits):
        return best
    fitting = next(
        (
            u
            for u, ok in zip(scored, fits, strict=True)
            if ok and u.score >= cal.relative * best.score
        ),
        None,
    )
    return fitting or best


def answers_part(unit: ScoredUnit, cal: Calibration) -> bool:
    return unit.score >= cal.no_evidence and (unit.cover >= PART_COVER or unit.kind_ok)


NEAR_MIN = 6  # stems this long meet a stem differing only in its last letter


def near(found: set[str], asked: Mapping[str, float]) -> set[str]:
    """``found`` with each asked stem that a found stem differs from only in its last letter
    ("exclud" for "exclus": excluded / exclusion; "conclud" / "conclus"), but not a longer
    ending ("commun" is not "communic")."""
    out = set(found)
    for term in asked:
        if term in found or len(term) < NEAR_MIN:
            continue
        stem = term[:-1]
        if any(f.startswith(stem) and len(f) <= len(term) for f in found):
            out.add(term)
    return out


def _same(a: ScoredUnit, b: ScoredUnit) -> bool:
    return a is b or (
        a.passage.chunk.chunk_id == b.passage.chunk.chunk_id and a.unit.position == b.unit.position
    )


_BACK = re.compile(r"\b(?:it|its|he|she|his|her|they|their|them|that|this|those|these)\b", re.I)


def refers_back(part: str) -> bool:
    """A later part of a compound question that points back at what the first named ("and how
    many people did it hear from?")."""
    return bool(_BACK.search(part))


def redundant(a: ScoredUnit, b: ScoredUnit) -> bool:
    """``a`` repeats ``b``: one holds the other, or they share most of their words, or they
    are near in meaning and ``a`` adds almost no word of its own ("is not available, this
    should not delay action" is close to "should always be available" but says something new)."""
    ta, tb = _norm(a.unit.text), _norm(b.unit.text)
    if ta in tb or tb in ta:
        return True
    sa, sb = set(stems(a.unit.text)), set(stems(b.unit.text))
    if bool(sa | sb) and len(sa & sb) / len(sa | sb) >= MAX_JACCARD:
        return True
    near = (
        a.vector is not None and b.vector is not None and float(a.vector @ b.vector) >= MAX_COSINE
    )
    return near and len(sa - sb) < NEW_WORDS


def echoes(unit: ScoredUnit, question: Question) -> bool:
    """The unit restates the question (its premise) and adds almost nothing to it: "In one
    review, family members said practitioners had been racist" for "What happened in the review
    where family members said practitioners had been racist?"."""
    asked = set(stems(question.text))
    own = set(stems(unit.unit.text))
    return bool(own) and len(own - asked) < NEW_WORDS and len(own & asked) >= len(own) / 2


_WHAT_FOLLOWED = re.compile(
    r"\bwhat (?:happened|followed|came of it|was done)\b|"
    r"\bhow did (?:\w+ ){1,4}(?:respond|react)\b|\bwhat was the (?:outcome|result|response)\b",
    re.IGNORECASE,
)


def asks_what_followed(question: str) -> bool:
    """The question asks what came after an event it names ("what happened when ..."): the unit
    naming the event is answered by the text after it."""
    first = (parts(question) or (question,))[0]  # of a compound question, its first part
    return bool(_WHAT_FOLLOWED.search(first))


def continuation(lead: ScoredUnit, scored: Sequence[ScoredUnit]) -> ScoredUnit | None:
    """The unit that follows ``lead`` in its chunk: what the text goes on to say."""
    chunk = lead.passage.chunk.chunk_id
    after = [
        u
        for u in scored
        if u.passage.chunk.chunk_id == chunk
        and u.unit.position > lead.unit.position
        and _norm(lead.unit.text) not in _norm(u.unit.text)
    ]
    return min(after, key=lambda u: u.unit.position, default=None)


def _norm(text: str) -> str:
    return " ".join(text.lower().split())
