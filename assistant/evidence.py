"""Evidence selection: score units of evidence for one question, choose the few that answer it,
and decide from them whether the library answers (``answered``), answers in part (``partial``,
naming what is missing) or not at all (``no_evidence``).

1. **Subjects first.** The question's specific subjects (``assistant.text.question``) are looked
   up in the whole library (``LibraryTerms``: every chunk, title and heading). A subject that
   occurs nowhere cannot be answered from the library, however similar some passage looks.
   When every subject is absent, or the absent ones carry most of the question's weight, the
   answer is ``no_evidence`` (subject absent) and the nearest units are offered only as related
   material. When others are present, the answer is ``partial`` and names what is missing.
2. **Question-focused score** of each unit of the retrieved passages (``Unit``, made at ingest):
   ``W_DENSE * cosine(question, unit) + W_COVER * cover + W_KIND * kind``, where ``cover`` is
   the IDF-weighted share of the question's terms the unit holds (its document title and
   headings count at half weight) and ``kind`` is 1 when the unit holds the kind of answer asked
   for (a date, a number, a person or body, words attributed to the named person, a list).
   Context units (about the document itself) are never scored as evidence.
3. **Calibrated decision** on the best score, with thresholds per embedding model
   (``CALIBRATIONS``, fitted on the ``tune`` split only; see ADR 12).
4. **Concise choice**: the lead unit answers directly; further units must score within
   ``Calibration.relative`` of it, add something (not contained in, nor a near-duplicate of, a
   chosen unit), keep to ``MAX_PER_DOCUMENT`` per document and ``MAX_UNITS`` and the character
   budget in all.

``document_support`` applies the same scores to every document of the library, for the
cross-review comparison and the silence map.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from assistant.build.index import Index
from assistant.checks.guardrails import instruction_like
from assistant.citations import pages_text
from assistant.embedding.embedder import Embedder
from assistant.text.acronyms import glossary, question_acronyms, with_acronyms
from assistant.text.normalisation import quote_key
from assistant.text.question import (
    ACRONYMS,
    Question,
    Subject,
    analyse,
    compound_subjects,
    head_subjects,
    parts,
    topic_heads,
    topic_phrases,
)
from assistant.text.terms import LibraryTerms, stems
from assistant.text.units import Unit, stated_count, units
from assistant.types import ANSWERED, NO_EVIDENCE, PARTIAL, Document, Passage, Status

Support = Literal["addresses", "mentions", "silent"]

W_DENSE = 0.5
W_COVER = 0.4
W_KIND = 0.15
CONTEXT_WEIGHT = 0.5  # share of credit for a term found only in the title or headings
MAX_UNITS = 4
MAX_PER_DOCUMENT = 3
CHAR_BUDGET = 700  # characters of quotes after the lead
MAX_COSINE = 0.88
MAX_JACCARD = 0.6
ASIDE_WEIGHT = 0.5  # a word said only beside the question ("I've heard ...") counts half
W_NEW = 0.2  # weight of the question's words a further unit adds to those already chosen
NEW_WORDS = 3  # a unit adding fewer new word stems than this repeats what it is compared with
WORDED_COVER = 0.5  # a unit holding this share of the question's weighted words answers in part
PART_COVER = 0.5  # a part of a compound question whose terms no unit covers this well is missing
ABSENT_SHARE = 0.5  # absent subjects carrying this share of the question's weight: no answer
MAX_PARTS = 3
THIN = 3  # a subject found in this many chunks or fewer: the library's evidence on it is thin
THIN_SHARE = 0.05  # ... when that is also a small share of the library (not in a tiny one)
RELATED = 2  # units offered as related material with a refusal
NAME_SLACK = 3  # other words allowed between a name's words said in another order
EVERYWHERE_SHARE = 0.25  # a topic word in this share of chunks is what the library is about
CACHE_CHUNKS = 4096


@dataclass(frozen=True)
class Calibration:
    """Thresholds on the best unit's score, for one embedding model."""

    no_evidence: float  # below: nothing answers the question
    answered: float  # below (and above no_evidence): a weak, partial answer
    relative: float  # further units must score at least this share of the best


CALIBRATIONS: dict[str, Calibration] = {
    "all-MiniLM-L6-v2": Calibration(no_evidence=0.40, answered=0.50, relative=0.65),
}
_JOINS = re.compile(r"\s(?:in|on|for|at|of)\s")  # prepositions that join two names into one run
DEFAULT_CALIBRATION = Calibration(no_evidence=0.40, answered=0.50, relative=0.65)
# Units whose vectors were pooled from their chunk's run (RLA_UNIT_VECTORS=pooled, ADR 0024) score
# on their own scale; a model without an entry here uses its encoded calibration. Fitted on the
# tune split like the above: the same no_evidence and answered (0.36-0.44 and 0.46-0.56 swept), and
# a higher relative, since units that share a chunk's context score closer to the best one.
POOLED_CALIBRATIONS: dict[str, Calibration] = {
    "all-MiniLM-L6-v2": Calibration(no_evidence=0.40, answered=0.50, relative=0.68),
}


def calibration_for(
    model: str,
    *,
    unit_vectors: str = "",
    no_evidence: float | None = None,
    answered: float | None = None,
    relative: float | None = None,
) -> Calibration:
    """The calibration of the model and of the build's kind of unit vectors ("" or "encoded",
    "pooled"), with any threshold the settings give instead."""
    name = model.rsplit("/", 1)[-1]
    base = CALIBRATIONS.get(name, DEFAULT_CALIBRATION)
    if unit_vectors == "pooled":
        base = POOLED_CALIBRATIONS.get(name, base)
    return Calibration(
        no_evidence=base.no_evidence if no_evidence is None else no_evidence,
        answered=base.answered if answered is None else answered,
        relative=base.relative if relative is None else relative,
    )


@dataclass(frozen=True)
class ScoredUnit:
    unit: Unit
    passage: Passage
    score: float
    support: Support
    dense: float = 0.0
    cover: float = 0.0
    kind_ok: bool = False
    vector: np.ndarray | None = None

    @property
    def document(self) -> Document:
        return self.passage.document


@dataclass(frozen=True)
class DocumentSupport:
    document: Document
    status: Support
    best: ScoredUnit | None


@dataclass(frozen=True)
class Selection:
    question: str
    status: Status  # ANSWERED, PARTIAL or NO_EVIDENCE
    lead: tuple[ScoredUnit, ...]
    by_document: tuple[tuple[Document, tuple[ScoredUnit, ...]], ...]
    missing: tuple[str, ...]
    subject_absent: bool
    related: tuple[ScoredUnit, ...] = ()  # offered with a refusal: not an answer
    best_score: float = 0.0
    kind: str = "any"
    kind_missing: bool = False  # the kind of answer asked for is in none of the chosen units
    missing_parts: tuple[str, ...] = ()  # parts of a compound question nothing found answers
    thin: tuple[tuple[str, int], ...] = ()  # (subject, chunks mentioning it) for thin coverage

    @property
    def units(self) -> tuple[ScoredUnit, ...]:
        return tuple(u for _, group in self.by_document for u in group)


class EvidenceSelector:
    """Scores units for questions over one opened build."""

    def __init__(
        self,
        index: Index,
        embedder: Embedder,
        calibration: Calibration,
        *,
        floor: float = -1.0,
        max_units: int = MAX_UNITS,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.calibration = calibration
        self.floor = floor  # best passage cosine below this: no evidence, whatever the units say
        self.max_units = max_units
        self._terms: LibraryTerms | None = None
        self._glossary: dict[str, str] | None = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[list[Unit], np.ndarray]] = OrderedDict()
        self._placed: OrderedDict[tuple[str, int], bool] = OrderedDict()

    # -- the library's words ---------------------------------------------------------------

    @property
    def terms(self) -> LibraryTerms:
        if self._terms is None:
            docs = {d.doc_id: d for d in self.index.documents}
            texts = [
                " ".join([c.text, *c.section, _title(docs.get(c.doc_id))])
                for c in self.index.chunks
            ]
            self._terms = LibraryTerms.from_texts(texts)
        return self._terms

    @property
    def glossary(self) -> dict[str, str]:
        """Acronym -> long form: the library's own definitions, then the built-in list."""
        if self._glossary is None:
            self._glossary = glossary((c.text for c in self.index.chunks), ACRONYMS)
        return self._glossary

    def in_library(self, subject: Subject) -> bool:
        expansion = subject.expansion or self.glossary.get(subject.label.lower(), "")
        if expansion and all(self.terms.present(t) for t in stems(expansion)):
            return True
        present = self.terms.exactly_present if subject.name else self.terms.related_present
        if not all(present(t) or self._spelled_out(t) for t in subject.terms):
            return False
        if not subject.phrase or any(
            self._phrase_in_library(p) for p in _spelled(subject.phrase, self.glossary)
        ):
            return True
        if subject.name and self._words_together(subject.phrase):
            return True  # "Families Minister" where the library says "Minister for ... Families"
        # "Child C in Waltham Forest": two names joined by a preposition, each held on its own
        pieces = [p.strip() for p in _JOINS.split(subject.phrase)]
        return len(pieces) > 1 and all(
            p and (" " not in p or self._phrase_in_library(p)) for p in pieces
        )

    def absent(self, question: Question) -> tuple[Subject, ...]:
        """The question's subjects the library never mentions, with the noun the question is
        about when no subject names it."""
        heads = head_subjects(question.text, question.subjects)
        compounds = compound_subjects(question.text, (*question.subjects, *heads))
        candidates = (*question.subjects, *heads, *compounds)
        return tuple(s for s in candidates if not self.in_library(s))

    def _spelled_out(self, term: str) -> bool:
        """An acronym the library only spells out ("csa": "child sexual abuse")."""
        spelled = self.glossary.get(term)
        return spelled is not None and all(self.terms.present(t) for t in stems(spelled))

    def _words_together(self, phrase: str) -> bool:
        """Every word of a name's phrase within a few words of each other, in any order: a
        title said the other way round ("Minister for Children and Families")."""
        words = phrase.split()
        if len(words) < 2:
            return False
        span = len(words) + NAME_SLACK
        for chunk, _ in self.index.keyword_search(phrase, 50):
            found = re.findall(r"[a-z0-9]+", chunk.text.lower().replace("’", "'"))
            places = [[i for i, w in enumerate(found) if w == word] for word in words]
            if any(
                all(any(abs(i - first) < span for i in at) for at in places[1:])
                for first in places[0]
            ):
                return True
        return False

    def _phrase_in_library(self, phrase: str) -> bool:
        hits = self.index.keyword_search(phrase, 200)
        pattern = re.compile(r"\b" + r"\W+".join(map(re.escape, phrase.split())) + r"\b")
        for chunk, _ in hits:
            document = self.index.document(chunk.doc_id)
            text = " ".join([chunk.text, *chunk.section, _title(document)]).lower()
            if pattern.search(text.replace("’", "'")):
                return True
        return any(
            pattern.search(_title(d).lower().replace("’", "'")) for d in self.index.documents
        )

    # -- units -----------------------------------------------------------------------------

    def units_of(self, passages: Sequence[Passage]) -> list[tuple[Unit, np.ndarray, Passage]]:
        store = self.index.units
        out: list[tuple[Unit, np.ndarray, Passage]] = []
        if store is not None:
            for p in passages:
                found, vectors = store.for_chunk(p.chunk.chunk_id)
                out.extend(
                    (u, np.asarray(v, np.float32), p) for u, v in zip(found, vectors, strict=True)
                )
            return out
        for p in passages:  # a build made before units: split and embed now, cached
            found, vectors = self._embedded_units(p)
            out.extend((u, v, p) for u, v in zip(found, vectors, strict=True))
        return out

    def _embedded_units(self, passage: Passage) -> tuple[list[Unit], np.ndarray]:
        cid = passage.chunk.chunk_id
        with self._lock:
            if cid in self._cache:
                self._cache.move_to_end(cid)
                return self._cache[cid]
        found = units(passage.chunk.text)
        texts = [u.text for u in found]
        vectors = (
            np.asarray(self.embedder.embed_documents(texts), np.float32)
            if texts
            else np.zeros((0, self.embedder.dimensions), np.float32)
        )
        with self._lock:
            self._cache[cid] = (found, vectors)
            while len(self._cache) > CACHE_CHUNKS:
                self._cache.popitem(last=False)
        return found, vectors

    def _on_page(self, unit: Unit, passage: Passage) -> bool:
        """The unit's text is on its chunk's pages (normalised as citations are checked)."""
        chunk = passage.chunk
        key = (chunk.chunk_id, unit.position)
        with self._lock:
            if key in self._placed:
                return self._placed[key]
        text = pages_text(self.index.pages(chunk.doc_id), chunk.page_start, chunk.page_end)
        # a build without page texts (a test's fake) has nothing to check against
        placed = not text or quote_key(unit.text) in text
        with self._lock:
            self._placed[key] = placed
            while len(self._placed) > CACHE_CHUNKS * 8:
                self._placed.popitem(last=False)
        return placed

    # -- scoring ---------------------------------------------------------------------------

    def score(
        self, question: Question, passages: Sequence[Passage], vector: np.ndarray
    ) -> list[ScoredUnit]:
        weights = self.weights(question)
        total = sum(weights.values()) or 1.0
        acronyms = question_acronyms(question.text, self.glossary, stems)
        out: list[ScoredUnit] = []
        contexts: dict[str, set[str]] = {}
        for unit, uvec, passage in self.units_of(passages):
            if unit.context or instruction_like(unit.text):
                continue  # about the document itself, or orders planted for a model: not evidence
            if not self._on_page(unit, passage):
                continue  # a quote must be found word for word on the pages it will cite
            cid = passage.chunk.chunk_id
            if cid not in contexts:
                contexts[cid] = set(
                    stems(" ".join([_title(passage.document), *passage.chunk.section]))
                )
            own = near(with_acronyms(set(stems(unit.text)), acronyms), weights)
            cover = (
                sum(
                    w if t in own else CONTEXT_WEIGHT * w if t in contexts[cid] else 0.0
                    for t, w in weights.items()
                )
                / total
            )
            dense = float(uvec @ vector)
            kind_ok = kind_matches(question, unit)
            label = _label_match(question, unit)
            score = W_DENSE * dense + W_COVER * cover + W_KIND * (kind_ok + label)
            out.append(
                ScoredUnit(
                    unit, passage, score, self._support(score, cover), dense, cover, kind_ok, uvec
                )
            )
        out.sort(key=lambda s: -s.score)
        return out

    def weights(self, question: Question, terms: Sequence[str] | None = None) -> dict[str, float]:
        """Each term's weight: its rarity in the library (IDF) times how telling it is in
        general English, so "compensation" outweighs "receive" and "behind"."""
        chosen = question.terms if terms is None else terms
        aside = aside_terms(question.text)
        return {
            t: self.terms.idf(t) * question.weight(t) * (ASIDE_WEIGHT if t in aside else 1.0)
            for t in chosen
        }

    def _support(self, score: float, cover: float) -> Support:
        if score >= self.calibration.answered:
            return "addresses"
        if cover > 0 or score >= self.calibration.no_evidence:
            return "mentions"
        return "silent"

    # -- selection -------------------------------------------------------------------------

    def select(
        self, text: str, passages: Sequence[Passage], vector: np.ndarray | None = None
    ) -> Selection:
        question = analyse(text)
        if vector is None:
            vector = np.asarray(self.embedder.embed_query(text), np.float32)
        scored, part_best, part_answers = self._score_with_parts(question, passages, vector)
        absent = self.absent(question)
        missing = tuple(dict.fromkeys(s.shown for s in absent))
        best = scored[0].score if scored else 0.0
        cal = self.calibration
        if absent and self._absent_dominates(question, absent):
            return self._refusal(text, question, scored, missing, absent=True)
        best_passage = max((p.dense_score or -1.0 for p in passages), default=-1.0)
        if best_passage < self.floor:  # nothing near enough even to offer as related
            return self._refusal(text, question, (), missing, absent=False)
        worded = any(u.cover >= WORDED_COVER for u in scored)
        if not scored or (best < cal.no_evidence and not worded):
            return self._refusal(text, question, scored, missing, absent=False)
        unanswered = tuple(
            p
            for p, (score, cover) in part_best.items()
            if score < cal.no_evidence or cover < PART_COVER
        )
        lead, rest = choose(
            scored, question, cal, self.max_units, part_answers, self.weights(question)
        )
        chosen = (*lead, *rest)
        kind_missing = question.kind != "any" and not any(u.kind_ok for u in chosen)
        thin = self._thin(question, absent)
        partial = (
            bool(missing) or best < cal.answered or kind_missing or bool(unanswered) or bool(thin)
        )
        return Selection(
            question=text,
            status=PARTIAL if partial else ANSWERED,
            lead=lead,
            by_document=group(chosen),
            missing=missing,
            subject_absent=False,
            best_score=best,
            kind=question.kind,
            kind_missing=kind_missing,
            missing_parts=unanswered,
            thin=thin,
        )

    def _thin(self, question: Question, absent: Sequence[Subject]) -> tuple[tuple[str, int], ...]:
        """Subjects the library mentions, but in THIN chunks or fewer."""
        out = []
        for subject in question.subjects:
            if subject in absent or not (subject.group or subject.name) or not subject.terms:
                continue  # thin coverage is judged for groups and names, not for any rare word
            slack = 0 if subject.name else 1
            count = min(self.terms.frequency(t, slack=slack) for t in subject.terms)
            if 0 < count <= THIN and count < THIN_SHARE * self.terms.n:
                # the library itself holds this name, so saying it repeats nothing private
                out.append((subject.label, count))
        return tuple(out)

    def _score_with_parts(
        self, question: Question, passages: Sequence[Passage], vector: np.ndarray
    ) -> tuple[list[ScoredUnit], dict[str, tuple[float, float]], tuple[ScoredUnit, ...]]:
        """Units scored for the question and, for a compound one, for each part (a unit keeps
        its best score); with each part's best (score, cover), and the unit that best answers
        each part the library answers."""
        scored = self.score(question, passages, vector)
        if not question.parts:
            return scored, {}, ()
        best = {(u.passage.chunk.chunk_id, u.unit.position): u for u in scored}
        part_best: dict[str, tuple[float, float]] = {}
        answers: list[ScoredUnit] = []
        for i, part in enumerate(question.parts[:MAX_PARTS]):
            sub = analyse(part)
            if not sub.terms:
                continue
            found = self.score(
                sub, passages, np.asarray(self.embedder.embed_query(part), np.float32)
            )
            top = max(found, key=lambda u: u.score, default=None)
            cover = max((u.cover for u in found), default=0.0)
            part_best[part] = (top.score if top else 0.0, cover)
            for u in found:
                key = (u.passage.chunk.chunk_id, u.unit.position)
                if key not in best or u.score > best[key].score:
                    best[key] = u
            if i > 0 and refers_back(part) and scored:
                # "..., and who chaired it?": "it" is most likely what the question named
                # first, so the part's answer up front comes from the best document
                found = [u for u in found if u.document.doc_id == scored[0].document.doc_id]
            answer = _fitting(found, sub, self.calibration)
            if answer is not None and _answers_part(answer, self.calibration):
                answers.append(answer)
        return sorted(best.values(), key=lambda u: -u.score), part_best, tuple(answers)

    def _everywhere(self, subject: Subject) -> bool:
        """A topic word or name in a large share of the library's chunks ("safeguarding", "the
        Panel"): what the whole library is about, so holding it says nothing about this
        question."""
        if subject.group or not subject.terms:
            return False  # a group is asked about for itself, however often the library names it
        n = max(self.terms.n, 1)
        return all(self.terms.frequency(t, slack=0) >= EVERYWHERE_SHARE * n for t in subject.terms)

    def _absent_dominates(self, question: Question, absent: Sequence[Subject]) -> bool:
        gone_terms = {t for s in absent for t in s.terms}
        if question.parts and any(
            not gone_terms & set(stems(p)) and not (i > 0 and refers_back(p))
            for i, p in enumerate(question.parts)
        ):
            return False  # a compound question with a part about what the library holds ("it"
            # in a later part is still what the first part asked about)
        present = [s for s in question.subjects if s not in absent and not self._everywhere(s)]
        if not present or any(s.work for s in absent):
            return True  # nothing else asked about, or a named document the library lacks
        if any(s.group for s in absent) and not any(s.group for s in present):
            return True  # the group asked about is one the library never names
        heads = {t for head in topic_heads(question.text) for t in stems(head)}
        if heads & gone_terms:
            return True  # the noun the question is about is what the library lacks
        topics = {" ".join(p.lower().split()) for p in topic_phrases(question.text)}
        if any(s.label in topics for s in absent):
            return True  # so is the kind of thing it is about ("knife crime")
        weights = self.weights(question)
        total = sum(weights.values()) or 1.0
        return sum(w for t, w in weights.items() if t in gone_terms) / total >= ABSENT_SHARE

    def _refusal(
        self,
        text: str,
        question: Question,
        scored: Sequence[ScoredUnit],
        missing: tuple[str, ...],
        *,
        absent: bool,
    ) -> Selection:
        related: list[ScoredUnit] = []
        for unit in scored:
            if len(related) >= RELATED:
                break
            if all(unit.document.doc_id != r.document.doc_id for r in related):
                related.append(unit)
        return Selection(
            question=text,
            status=NO_EVIDENCE,
            lead=(),
            by_document=(),
            missing=missing,
            subject_absent=absent,
            related=tuple(related),
            best_score=scored[0].score if scored else 0.0,
            kind=question.kind,
        )

    # -- every document --------------------------------------------------------------------

    def document_support(
        self,
        text: str,
        passages_by_document: dict[str, Sequence[Passage]],
        vector: np.ndarray | None = None,
    ) -> list[DocumentSupport]:
        """One row per document given (silent ones included), scored as answering scores."""
        question = analyse(text)
        if vector is None:
            vector = np.asarray(self.embedder.embed_query(text), np.float32)
        absent = self.absent(question)
        rows = []
        for doc_id, passages in passages_by_document.items():
            document = self.index.document(doc_id)
            if document is None:
                continue
            scored = (
                []
                if absent and self._absent_dominates(question, absent)
                else (self.score(question, passages, vector))
            )
            best = scored[0] if scored else None
            status: Support = best.support if best is not None else "silent"
            if best is not None and best.cover == 0 and status == "mentions":
                status = "silent"  # similar wording, but none of the question's terms
            rows.append(DocumentSupport(document, status, best if status != "silent" else None))
        return rows


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
    best = _fitting(scored, question, cal) or scored[0]
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


def _fitting(
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


def _answers_part(unit: ScoredUnit, cal: Calibration) -> bool:
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


def group(chosen: Sequence[ScoredUnit]) -> tuple[tuple[Document, tuple[ScoredUnit, ...]], ...]:
    """Documents in order of their best unit; units best first within each."""
    groups: dict[str, list[ScoredUnit]] = {}
    docs: dict[str, Document] = {}
    for unit in sorted(chosen, key=lambda u: -u.score):
        groups.setdefault(unit.document.doc_id, []).append(unit)
        docs[unit.document.doc_id] = unit.document
    return tuple((docs[d], tuple(units_)) for d, units_ in groups.items())


# --- the kind of answer asked for ---------------------------------------------------------------

_MONTHS = "january february march april may june july august september october november december"
# a month is a date only when capitalised: "may" and "march" are also a verb
_DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:" + "|".join(m.title() for m in _MONTHS.split()) + r")\b"
)
_MONTH = "(?:" + "|".join(m.title() for m in _MONTHS.split()) + ")"
# numbers that count nothing: dates ("31 October 2015", "in 2019") and references to a part of a
# text or a law ("section 47", "Article 6", "paragraph 12")
_NOT_A_QUANTITY = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r"(?:\s+\d{4})?\b|\b" + _MONTH + r"\s+\d{4}\b|"
    r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:sections?|articles?|paragraphs?|paras?|pages?|parts?|annex|"
    r"schedule|chapter|regulation|rule|step|s\.)\s+\d+[A-Za-z]?(?:\(\d+\))*",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
    r"thirty|forty|fifty|hundred|thousand|half|third|quarter|dozen)\b",
    re.IGNORECASE,
)
_AGENT = re.compile(
    r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z'’-]+)+\b|\b(?:Panel|Council|Department|Ofsted|NSPCC|Inspectorate|"
    r"Commissioner|Board|Partnership|Police|Service|Secretary|Minister|Committee|Agency)\b"
)
_SAYING = re.compile(
    r"\b(?:said|says|say|stated|states|argued|argues|wrote|writes|described|describes|called|calls|"
    r"told|warned|warns|explained|explains|noted|notes|found|finds|concluded|concludes|recommended|"
    r"recommends)\b|[\"“”]",
    re.IGNORECASE,
)


def kind_matches(question: Question, unit: Unit) -> bool:
    text = unit.text
    kind = question.kind
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "number":
        return bool(_NUMBER.search(_NOT_A_QUANTITY.sub(" ", text)))
    if kind == "agent":  # a person or body the question does not itself name
        asked = set(stems(question.text))
        return any(not set(stems(m.group())) <= asked for m in _AGENT.finditer(text, 1))
    if kind == "attribution":
        who = set(stems(question.attributed_to))
        return bool(who & set(stems(text))) and bool(_SAYING.search(text))
    if kind == "condition":
        return bool(_CONDITION.search(text))
    if kind == "list":
        if unit.kind != "list":
            return _lists_inline(unit.text, question.count)
        items = unit.text.count("\n")
        return question.count is None or items == question.count
    return False


def _lists_inline(text: str, count: int | None) -> bool:
    """A sentence that lists after a colon ("Six practice themes: a; b; ... and f.", "Three
    themes were chosen: a, b and c."): as many items as asked for, or the count stated."""
    head, colon, tail = text.partition(":")
    if not colon or not tail.strip():
        return False
    splitter = _SEMICOLONS if ";" in tail else _COMMAS
    items = [p for p in splitter.split(tail.strip().rstrip(".")) if p.strip()]
    if count is None:
        return len(items) >= INLINE_ITEMS
    return len(items) == count or stated_count(head) == count


_CONDITION = re.compile(
    r"\b(?:if|unless|provided(?: that)?|as long as|only when|only where|where necessary|"
    r"conditions?|circumstances)\b",
    re.IGNORECASE,
)
_SEMICOLONS = re.compile(r";\s*(?:and\s+)?")
_COMMAS = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
INLINE_ITEMS = 3  # a sentence listing this many after a colon is a list


def _label_match(question: Question, unit: Unit) -> bool:
    """A labelled line whose label names what the question asks about ("Period: ...")."""
    if unit.kind != "labelled":
        return False
    label = unit.text.split(":", 1)[0]
    return bool(set(stems(label)) & set(question.terms))


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _title(document: Document | None) -> str:
    if document is None:
        return ""
    return " ".join([document.title, *document.extra.values()])


def _spelled(phrase: str, known: dict[str, str]) -> tuple[str, ...]:
    """A phrase, and the same with its known acronyms spelled out ("intrafamilial csa" ->
    "intrafamilial child sexual abuse")."""
    words = phrase.split()
    spelled = " ".join(known.get(w, w) for w in words)
    return (phrase, spelled) if spelled != phrase else (phrase,)
