"""Keyword (BM25) side of the hybrid index: one tokenizer for indexing and querying."""

from __future__ import annotations

import importlib.util
import json
import logging
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import BuildError

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

SNOWBALL = "snowball-english"  # the tokenizer of builds written now (recorded in manifest.json)
LEGACY = "suffix-v0"  # builds written before the tokenizer was recorded: the old suffix stripper

# Words a keyword search never matches on: bm25s's English list plus modal and reporting verbs
# (every review "says", "must" and "should"), kept from the project's earlier list.
_PROJECT_STOPWORDS = frozenset(
    [
        "also",
        "could",
        "may",
        "might",
        "must",
        "said",
        "say",
        "says",
        "shall",
        "tell",
        "told",
        "would",
    ]
)

# Snowball leaves "-ism" and "-ist" alone, so "racism" and "racist" would not meet; the subject of
# the library needs them to (ADR 0019). Keys are Snowball stems.
STEM_OVERRIDES = {
    "racism": "racis",
    "racist": "racis",
    "antirac": "antiracis",  # Snowball's stem of "antiracism"
    "antiracist": "antiracis",
}


def _bm25s_stopwords() -> frozenset[str]:
    """bm25s's English stop words (``STOPWORDS_EN_PLUS``), read from its ``stopwords`` module
    without importing the bm25s package (which imports scipy: not wanted when serving)."""
    spec = importlib.util.find_spec("bm25s")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("bm25s is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "stopwords.py"
    module_spec = importlib.util.spec_from_file_location("_rla_bm25s_stopwords", path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return frozenset(module.STOPWORDS_EN_PLUS)


STOPWORDS = _bm25s_stopwords() | _PROJECT_STOPWORDS


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def stem(word: str) -> str:
    """The Snowball English stem of a lower-case word, with the project's overrides."""
    stemmed: str = _stemmer().stemWord(word)
    return STEM_OVERRIDES.get(stemmed, stemmed)


def tokenize(text: str) -> list[str]:
    """Keyword tokens: lower case, stop words dropped, Snowball stems ("families" -> "famili")."""
    found = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    if not found:
        return []
    return [STEM_OVERRIDES.get(s, s) for s in _stemmer().stemWords(found)]


def legacy_stem(word: str) -> str:
    """The suffix stripper builds used before Snowball (kept to query those builds as written)."""
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


def legacy_tokenize(text: str) -> list[str]:
    return [legacy_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


TOKENIZERS: dict[str, Callable[[str], list[str]]] = {SNOWBALL: tokenize, LEGACY: legacy_tokenize}


def tokenizer_for(name: str) -> Callable[[str], list[str]]:
    """The tokenizer a build's keyword index was written with ("" in old builds: the legacy one)."""
    try:
        return TOKENIZERS[name or LEGACY]
    except KeyError:
        raise BuildError(f"unknown keyword tokenizer {name!r}: re-run `rla ingest`") from None


class KeywordIndex:
    """BM25 over a build's chunks, in the build's row order (row i = chunk i).

    bm25s builds and saves the index (its eager score matrix, one column per word). Querying reads
    those saved arrays directly, memory-mapped, and sums the query words' columns with numpy: no
    bm25s or scipy import when serving, the same scores as ``bm25s.BM25.get_scores``."""

    def __init__(
        self,
        columns: _Columns | None,
        size: int,
        retriever: object = None,
        tokenizer: str = SNOWBALL,
    ) -> None:
        self._columns = columns
        self._retriever = retriever  # the bm25s model, only between build and save
        self.size = size
        self.tokenizer = tokenizer  # the name recorded in the build's manifest
        self._tokenize = tokenizer_for(tokenizer)

    @classmethod
    def build(cls, texts: list[str], tokenizer: str = SNOWBALL) -> KeywordIndex:
        """A new index over ``texts`` (row i = text i); ``tokenizer`` is a name in TOKENIZERS."""
        import bm25s

        tokenize_text = tokenizer_for(tokenizer)

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG
        retriever = bm25s.BM25()
        # bm25s cannot index an empty document list; a placeholder token keeps rows aligned.
        corpus = [tokenize_text(t) or ["\x00empty"] for t in texts]
        retriever.index(corpus, show_progress=False)
        scores = retriever.scores
        columns = _Columns(
            dict(retriever.vocab_dict),
            np.asarray(scores["data"]),
            np.asarray(scores["indices"]),
            np.asarray(scores["indptr"]),
        )
        return cls(columns, len(texts), retriever, tokenizer)

    def save(self, directory: Path) -> None:
        if self._retriever is None:
            raise ValueError("only a freshly built keyword index can be saved")
        self._retriever.save(str(directory))  # type: ignore[attr-defined]

    @classmethod
    def load(cls, directory: Path, size: int, tokenizer: str = "") -> KeywordIndex:
        """The saved index; ``tokenizer`` as the manifest records it ("" before it did)."""
        vocab = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
        arrays = [
            np.load(directory / f"{name}.csc.index.npy", mmap_mode="r")
            for name in ("data", "indices", "indptr")
        ]
        return cls(_Columns(vocab, *arrays), size, tokenizer=tokenizer or LEGACY)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query word is indexed)."""
        assert self._columns is not None
        return self._columns.scores(self._tokenize(query), self.size)

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
