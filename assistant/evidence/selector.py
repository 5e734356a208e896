"""The evidence selector: scores the units of retrieved passages for a question and decides
whether the library answers it, in part, or not at all (see ``assistant.evidence``)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from assistant.build.index import Index
from assistant.checks.guardrails import instruction_like
from assistant.citations import pages_text
from assistant.embedding.embedder import Embedder
from assistant.evidence.calibration import Calibration
from assistant.evidence.composition import (
    MAX_UNITS,
    PART_COVER,
    answers_part,
    aside_terms,
    choose,
    fitting,
    near,
    refers_back,
)
from assistant.evidence.kinds import kind_matches, label_match
from assistant.evidence.library_words import LibraryWords, document_title
from assistant.evidence.long_lists import long_list
from assistant.evidence.selection import DocumentSupport, ScoredUnit, Selection, Support, group
from assistant.text.acronyms import question_acronyms, with_acronyms
from assistant.text.normalisation import quote_key
from assistant.text.question import (
    Question,
    Subject,
    analyse,
    topic_heads,
    topic_phrases,
    without_names,
)
from assistant.text.terms import stems
from assistant.text.units import Unit, units
from assistant.types import ANSWERED, NO_EVIDENCE, PARTIAL, Passage

W_DENSE = 0.5
W_COVER = 0.4
W_KIND = 0.15
CONTEXT_WEIGHT = 0.5  # share of credit for a term found only in the title or headings
ASIDE_WEIGHT = 0.5  # a word said only beside the question ("I've heard ...") counts half
WORDED_COVER = 0.5  # a unit holding this share of the question's weighted words answers in part
ABSENT_SHARE = 0.5  # absent subjects carrying this share of the question's weight: no answer
MAX_PARTS = 3
REFERENT = 0.75  # a unit answering a part that points back: this share of the best similarity
THIN = 3  # a subject found in this many chunks or fewer: the library's evidence on it is thin
THIN_SHARE = 0.05  # ... when that is also a small share of the library (not in a tiny one)
RELATED = 2  # units offered as related material with a refusal
RELATED_CHARS = 500  # ... each at most this long, where the search found such units
NAME_SLACK = 3  # other words allowed between a name's words said in another order
EVERYWHERE_SHARE = 0.25  # a topic word in this share of chunks is what the library is about
CACHE_CHUNKS = 4096
_JOINS = re.compile(r"\s(?:in|on|for|at|of)\s")  # prepositions that join two names into one run


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
        self.library = LibraryWords(index)
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, tuple[list[Unit], np.ndarray]] = OrderedDict()
        self._placed: OrderedDict[tuple[str, int], bool] = OrderedDict()

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
        acronyms = question_acronyms(question.text, self.library.glossary, stems)
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
                    stems(" ".join([document_title(passage.document), *passage.chunk.section]))
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
            label = label_match(question, unit)
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
            t: self.library.terms.idf(t)
            * question.weight(t)
            * (ASIDE_WEIGHT if t in aside else 1.0)
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
        absent = self.library.absent(question)
        missing = tuple(dict.fromkeys(s.shown for s in absent))
        best = scored[0].score if scored else 0.0
        cal = self.calibration
        if absent and self._absent_dominates(question, absent):
            return self._refusal(text, question, scored, missing, absent=True)
        # a list longer than a unit, numbered under a heading that names it: strong evidence
        items = long_list(self.index, question, passages, self.weights(question), vector, best)
        best_passage = max((p.dense_score or -1.0 for p in passages), default=-1.0)
        if best_passage < self.floor and not items:  # nothing near enough to offer as related
            return self._refusal(text, question, (), missing, absent=False)
        worded = any(u.cover >= WORDED_COVER for u in scored)
        if not scored or (best < cal.no_evidence and not worded and not items):
            return self._refusal(text, question, scored, missing, absent=False)
        # a name the library itself holds ("the Climbie inquiry") repeats nothing the user alone
        # typed; any other may be a child's
        private = [s for s in question.subjects if s.name and not self.library.in_library(s)]
        unanswered = tuple(
            without_names(p, private)
            for p, best_of_part in part_best.items()
            if self._unanswered(*best_of_part)
        )
        lead, rest = choose(
            scored, question, cal, self.max_units, part_answers, self.weights(question)
        )
        if items and not any(u.kind_ok and u.cover >= items[0].cover for u in lead):
            lead, rest = items, ()  # unless a list unit holds as much of the question
        chosen = (*lead, *rest)
        kind_missing = question.kind != "any" and not any(u.kind_ok for u in chosen)
        thin = self.library.thin(question, absent)
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
            back = i > 0 and refers_back(part) and bool(scored)
            if back:
                # "... and does it cost anything?": "it" is what the question named first, so an
                # answer to the part is near the whole question too, not just worded like the part
                nearest = max(u.dense for u in scored)
                found = [
                    u
                    for u in found
                    if u.vector is not None and float(u.vector @ vector) >= REFERENT * nearest
                ]
            top = max(found, key=lambda u: u.score, default=None)
            cover = max((u.cover for u in found), default=0.0)
            part_best[part] = (top.score if top else 0.0, cover)
            for u in found:
                key = (u.passage.chunk.chunk_id, u.unit.position)
                if key not in best or u.score > best[key].score:
                    best[key] = u
            if back:
                # "..., and who chaired it?": "it" is most likely what the question named
                # first, so the part's answer up front comes from the best document
                found = [u for u in found if u.document.doc_id == scored[0].document.doc_id]
            answer = fitting(found, sub, self.calibration)
            if (
                answer is not None
                and answers_part(answer, self.calibration)
                and not self._unanswered(*part_best[part])  # said to be missing: not led with
            ):
                answers.append(answer)
        return sorted(best.values(), key=lambda u: -u.score), part_best, tuple(answers)

    def _unanswered(self, score: float, cover: float) -> bool:
        """A part of the question whose best unit is too weak, or holds too few of its words."""
        return score < self.calibration.no_evidence or cover < PART_COVER

    def _absent_dominates(self, question: Question, absent: Sequence[Subject]) -> bool:
        gone_terms = {t for s in absent for t in s.terms}
        if question.parts and any(
            not gone_terms & set(stems(p)) and not (i > 0 and refers_back(p))
            for i, p in enumerate(question.parts)
        ):
            return False  # a compound question with a part about what the library holds ("it"
            # in a later part is still what the first part asked about)
        present = [
            s for s in question.subjects if s not in absent and not self.library.everywhere(s)
        ]
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
        short = [u for u in scored if len(u.unit.text) <= RELATED_CHARS]
        for unit in short or scored:  # a long list is not worth its room beside a refusal
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
        absent = self.library.absent(question)
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
