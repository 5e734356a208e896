"""Keyword (BM25) side of the hybrid index: one tokenizer for indexing and querying."""

from __future__ import annotations

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
    """BM25 over a build's chunks, in the build's row order (row i = chunk i)."""

    def __init__(self, retriever: object, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25()
        # bm25s cannot index an empty document list; a placeholder token keeps rows aligned.
        corpus = [tokenize(t) or ["\x00empty"] for t in texts]
        retriever.index(corpus, show_progress=False)
        return cls(retriever, len(texts))

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory))  # type: ignore[attr-defined]

    @classmethod
    def load(cls, directory: Path, size: int) -> KeywordIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(directory)), size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query word is indexed)."""
        tokens = tokenize(query)
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)  # type: ignore[attr-defined]
