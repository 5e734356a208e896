"""The extractive answerer (default, offline): the best sentences of the passages, verbatim.

1. Split every passage into sentences (``sentences.split``); questions are not statements and
   are never quoted.
2. Score each sentence: ``W_SIMILARITY * cosine(question, sentence)`` with the embedder, plus
   ``W_OVERLAP *`` the IDF-weighted share of the question's keywords found in the sentence or in
   its section headings and document title, plus ``W_PASSAGE *`` its passage's cosine. Items of
   a list inherit most of their introduction's score ("...three lead recommendations:").
3. Keep sentences scoring at least ``RELATIVE_FLOOR`` of the best, best first, skipping
   near-duplicates (keyword Jaccard or cosine above the limits), at most
   ``settings.answer_max_sentences``.
4. Group by document (documents in order of their best sentence, sentences in reading order);
   each sentence is followed by its own ``[n]``. The only words not taken from a source are the
   fixed opening ``From N documents in the library:``.
5. Context, when there is room: a list's introduction is added before its chosen items, and the
   sentence before a chosen one that opens with a pronoun ("It made eight recommendations").
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np

from assistant.citations import cite
from assistant.embeddings import Embedder
from assistant.generation.base import Draft, StreamingAnswerer
from assistant.generation.sentences import Sentence, split
from assistant.keyword import tokenize
from assistant.types import Citation, Page, Passage, Turn

W_SIMILARITY = 0.50
W_OVERLAP = 0.30
W_PASSAGE = 0.20
W_NEARBY = 0.3  # share of the keyword overlap counted over the whole passage, not the sentence
RELATIVE_FLOOR = 0.70
LIST_CARRY = 0.95  # share of an introduction's score ("...three recommendations:") its items get
LIST_ITEMS = 6  # blocks after an introduction that count as its items
MAX_JACCARD = 0.7
MAX_COSINE = 0.92

_URL = re.compile(r"https?://|www\.", re.IGNORECASE)

PRONOUN_OPENERS = frozenset(
    "it its they their them this these those that she he her his such".split()  # noqa: SIM905
)
HEADING_WORDS = 12  # an unpunctuated line this short is taken for a heading
CACHE_CHUNKS = 4096  # chunks whose sentence vectors are kept (about 1.5 KB per sentence)

PageLookup = Callable[[str], Sequence[Page]]


def opening(documents: int) -> str:
    return f"From {documents} document{'s' if documents != 1 else ''} in the library:"


@dataclass(frozen=True)
class Candidate:
    text: str
    passage: Passage
    block: int
    position: int
    score: float
    vector: np.ndarray
    keywords: frozenset[str]


class ExtractiveAnswerer(StreamingAnswerer):
    name = "extractive"

    def __init__(
        self,
        embedder: Embedder,
        pages: PageLookup,
        *,
        max_sentences: int = 8,
        cache_chunks: int = CACHE_CHUNKS,
    ) -> None:
        self.embedder = embedder
        self.pages = pages
        self.max_sentences = max_sentences
        self.cache_chunks = cache_chunks
        # chunk_id -> (quotable sentences, their vectors); one answerer serves one build
        self._cache: OrderedDict[str, tuple[list[Sentence], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    def stream(
        self, question: str, passages: Sequence[Passage], *, history: Sequence[Turn] = ()
    ) -> Iterator[str | Draft]:
        chosen = select(self.score(question, passages), self.max_sentences)
        groups = group_by_document(chosen)
        if not groups:
            yield Draft(text="", citations=(), generator=self.name)
            return
        head = opening(len(groups))
        yield head
        parts: list[str] = [head]
        citations: list[Citation] = []
        for group in groups:
            for i, cand in enumerate(group):
                n = len(citations) + 1
                citations.append(self._cite(n, cand))
                fragment = ("\n\n" if i == 0 else " ") + f"{cand.text} [{n}]"
                parts.append(fragment)
                yield fragment
        yield Draft(text="".join(parts), citations=tuple(citations), generator=self.name)

    def score(self, question: str, passages: Sequence[Passage]) -> list[Candidate]:
        prepared = self._sentences(passages)
        raw = [(s, p) for p in passages for s in prepared[p.chunk.chunk_id][0]]
        if not raw:
            return []
        query = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
        vectors = [v for p in passages for v in prepared[p.chunk.chunk_id][1]]
        contexts = [frozenset(tokenize(s.text)) | _context_words(p) for s, p in raw]
        weights = _idf(tokenize(question), contexts)
        around = {id(p): frozenset(tokenize(p.chunk.text)) for p in passages}
        out = []
        for (sentence, passage), vector, context in zip(raw, vectors, contexts, strict=True):
            near = around[id(passage)] | context
            overlap = (1 - W_NEARBY) * sum(w for t, w in weights.items() if t in context) + (
                W_NEARBY * sum(w for t, w in weights.items() if t in near)
            )
            score = (
                W_SIMILARITY * float(vector @ query)
                + W_OVERLAP * overlap
                + W_PASSAGE * float(passage.dense_score or 0.0)
            )
            out.append(
                Candidate(
                    sentence.text,
                    passage,
                    sentence.block,
                    sentence.position,
                    score,
                    vector,
                    frozenset(tokenize(sentence.text)),
                )
            )
        return carry_list_introductions(out)

    def _sentences(
        self, passages: Sequence[Passage]
    ) -> dict[str, tuple[list[Sentence], np.ndarray]]:
        """Quotable sentences and their vectors per chunk, embedding only uncached chunks."""
        out: dict[str, tuple[list[Sentence], np.ndarray]] = {}
        missing: dict[str, list[Sentence]] = {}
        with self._lock:
            for p in passages:
                cid = p.chunk.chunk_id
                if cid in self._cache:
                    self._cache.move_to_end(cid)
                    out[cid] = self._cache[cid]
                else:
                    missing[cid] = [s for s in split(p.chunk.text) if quotable(s.text)]
        texts = [s.text for sentences in missing.values() for s in sentences]
        vectors = np.asarray(self.embedder.embed_documents(texts), np.float32) if texts else None
        start = 0
        for cid, sentences in missing.items():
            block = vectors[start : start + len(sentences)] if vectors is not None else None
            start += len(sentences)
            out[cid] = (sentences, block if block is not None else np.zeros((0, 0), np.float32))
        with self._lock:
            for cid in missing:
                self._cache[cid] = out[cid]
            while len(self._cache) > self.cache_chunks:
                self._cache.popitem(last=False)
        return out

    def _cite(self, n: int, cand: Candidate) -> Citation:
        return cite(n, cand.passage, cand.text, self.pages(cand.passage.chunk.doc_id))


def quotable(text: str) -> bool:
    """Statements only: not questions, not table rows, not headings (short and without closing
    punctuation), not sentences carrying a web address (links are shown through the citations,
    and the output check removes others)."""
    bare = text.rstrip("\"'”’)]")
    if bare.endswith("?") or " | " in text:
        return False
    if not bare.endswith((".", "!", ":", ";")) and len(text.split()) <= HEADING_WORDS:
        return False
    return not _URL.search(text)


def _context_words(passage: Passage) -> frozenset[str]:
    """Words of the passage's section headings and its document's title."""
    return frozenset(tokenize(" ".join([passage.document.title, *passage.chunk.section])))


def _idf(question: Sequence[str], contexts: Sequence[frozenset[str]]) -> dict[str, float]:
    """Question keywords weighted by rarity among the candidate sentences, summing to 1."""
    wanted = list(dict.fromkeys(question))
    if not wanted:
        return {}
    n = len(contexts)
    raw = {t: math.log(1.0 + n / (1 + sum(t in c for c in contexts))) for t in wanted}
    total = sum(raw.values()) or 1.0
    return {t: w / total for t, w in raw.items()}


def carry_list_introductions(cands: list[Candidate]) -> list[Candidate]:
    """Items of a list inherit part of their introduction's score ("...three recommendations:")."""
    out = list(cands)
    for i, intro in enumerate(cands):
        if not intro.text.endswith(":"):
            continue
        for j in range(i + 1, len(cands)):
            item = cands[j]
            if item.passage is not intro.passage or item.block > intro.block + LIST_ITEMS:
                break
            if item.block > intro.block and item.score < LIST_CARRY * intro.score:
                out[j] = replace(item, score=LIST_CARRY * intro.score)
    return out


def select(candidates: Sequence[Candidate], limit: int) -> list[Candidate]:
    """Best first, above the relative floor, without near-duplicates, at most ``limit``.

    A list introduction ("...three lead recommendations:") is never chosen for itself; it is
    added in front of its items when one of them is chosen and there is room.
    """
    ranked = sorted((c for c in candidates if not c.text.endswith(":")), key=lambda c: -c.score)
    if not ranked:
        return []
    best = ranked[0].score
    floor = RELATIVE_FLOOR * best if best > 0 else best
    chosen: list[Candidate] = []
    for cand in ranked:
        if len(chosen) >= limit or cand.score < floor:
            break
        if not any(near_duplicate(cand, other) for other in chosen):
            chosen.append(cand)
    for extra in _introductions(candidates, chosen) + _antecedents(candidates, chosen):
        if len(chosen) < limit and extra not in chosen:
            chosen.append(extra)
    return chosen


def _antecedents(candidates: Sequence[Candidate], chosen: Sequence[Candidate]) -> list[Candidate]:
    """The sentence before a chosen one that opens with a pronoun ("It made eight...")."""
    out: list[Candidate] = []
    for item in chosen:
        if item.text.split(" ", 1)[0].lower() not in PRONOUN_OPENERS:
            continue
        before = [
            c
            for c in candidates
            if c.passage is item.passage and c.block == item.block and c.position < item.position
        ]
        if before and before[-1] not in chosen and before[-1] not in out:
            out.append(before[-1])
    return out


def _introductions(candidates: Sequence[Candidate], chosen: Sequence[Candidate]) -> list[Candidate]:
    intros: list[Candidate] = []
    for item in chosen:
        before = [
            c
            for c in candidates
            if c.passage is item.passage
            and c.text.endswith(":")
            and item.block - LIST_ITEMS <= c.block < item.block
        ]
        if before and before[-1] not in intros:
            intros.append(before[-1])
    return intros


def near_duplicate(a: Candidate, b: Candidate) -> bool:
    if a.text == b.text:
        return True
    union = a.keywords | b.keywords
    if union and len(a.keywords & b.keywords) / len(union) >= MAX_JACCARD:
        return True
    return float(a.vector @ b.vector) >= MAX_COSINE


def group_by_document(chosen: Sequence[Candidate]) -> list[list[Candidate]]:
    """Documents in order of their best sentence; sentences in reading order within each."""
    groups: dict[str, list[Candidate]] = {}
    for cand in chosen:  # chosen is best first, so dict order is document order
        groups.setdefault(cand.passage.chunk.doc_id, []).append(cand)
    return [
        sorted(group, key=lambda c: (c.passage.chunk.n, c.block, c.position))
        for group in groups.values()
    ]
