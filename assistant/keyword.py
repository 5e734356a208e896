"""Keyword (BM25) side of the hybrid index: one tokenizer for indexing and querying."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "also",
        "may",
        "might",
        "must",
        "shall",
        "say",
        "said",
        "says",
        "tell",
        "told",
    ]
)


def stem(word: str) -> str:
    """A light suffix stripper: enough to match racism/racist, reviews/review, searched/search."""
    for suffix, keep in (
        ("ations", 3),
        ("ation", 3),
        ("isms", 3),
        ("ism", 3),
        ("ists", 3),
        ("ist", 3),
        ("ies", 3),
        ("ing", 4),
        ("ed", 4),
        ("es", 4),
        ("s", 3),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)]
            break
    if word.endswith("'s"):
        word = word[:-2]
    return word


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


class KeywordIndex:
    """BM25 over a build's chunks, in the build's row order (row i = chunk i).

    bm25s builds and saves the index (its eager score matrix, one column per word). Querying reads
    those saved arrays directly, memory-mapped, and sums the query words' columns with numpy: no
    bm25s or scipy import when serving, the same scores as ``bm25s.BM25.get_scores``."""

    def __init__(self, columns: _Columns | None, size: int, retriever: object = None) -> None:
        self._columns = columns
        self._retriever = retriever  # the bm25s model, only between build and save
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> KeywordIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG
        retriever = bm25s.BM25()
        # bm25s cannot index an empty document list; a placeholder token keeps rows aligned.
        corpus = [tokenize(t) or ["\x00empty"] for t in texts]
        retriever.index(corpus, show_progress=False)
        scores = retriever.scores
        columns = _Columns(
            dict(retriever.vocab_dict),
            np.asarray(scores["data"]),
            np.asarray(scores["indices"]),
            np.asarray(scores["indptr"]),
        )
        return cls(columns, len(texts), retriever)

    def save(self, directory: Path) -> None:
        if self._retriever is None:
            raise ValueError("only a freshly built keyword index can be saved")
        self._retriever.save(str(directory))  # type: ignore[attr-defined]

    @classmethod
    def load(cls, directory: Path, size: int) -> KeywordIndex:
        vocab = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
        arrays = [
            np.load(directory / f"{name}.csc.index.npy", mmap_mode="r")
            for name in ("data", "indices", "indptr")
        ]
        return cls(_Columns(vocab, *arrays), size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query word is indexed)."""
        assert self._columns is not None
        return self._columns.scores(tokenize(query), self.size)

    def top(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best rows with a positive score, among ``allowed`` rows (a boolean mask)."""
        scores = self.scores(query)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        positive = int(np.count_nonzero(scores > 0))
        k = min(k, positive)
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.lexsort((best, -scores[best]))]
        return [(int(row), float(scores[row])) for row in best]


class _Columns:
    """The saved score matrix: for word w, rows ``indices[indptr[w]:indptr[w+1]]`` score
    ``data[...]``."""

    def __init__(
        self, vocab: dict[str, int], data: np.ndarray, indices: np.ndarray, indptr: np.ndarray
    ) -> None:
        self.vocab, self.data, self.indices, self.indptr = vocab, data, indices, indptr

    def scores(self, tokens: list[str], size: int) -> np.ndarray:
        ids = [self.vocab[t] for t in tokens if t in self.vocab]
        if not ids:
            return np.zeros(size, dtype=np.float32)
        rows = [self.indices[self.indptr[i] : self.indptr[i + 1]] for i in ids]
        weights = [self.data[self.indptr[i] : self.indptr[i + 1]] for i in ids]
        summed = np.bincount(np.concatenate(rows), np.concatenate(weights), minlength=size)
        return summed.astype(np.float32)
