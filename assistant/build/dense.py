"""Dense search over a build: exact where it is cheap, Chroma's HNSW where it is not.

- At most ``exact_limit`` candidate rows (a small library, or a filter that keeps few rows): an
  exact dot product against the build's own vectors (``vectors.npy``, memory-mapped). Exact, and
  no Chroma call at all, so a small library never even imports chromadb.
- More rows than that: Chroma without a ``where`` clause, over-fetched in proportion to how much
  the filter removes (``k * rows / kept * 1.5``) and post-filtered by the row mask. Should that
  still leave fewer than ``k`` (a filter whose rows the nearest neighbours happen to miss), the
  exact search over the kept rows answers instead, so a filter never loses results.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

OVERFETCH = 1.5
MAX_FETCH = 4000
GATHER_SHARE = 4  # gather kept rows when they are under a quarter of the library, else scan all


class DenseSearch:
    """Top-k rows by cosine (vectors are unit length, so cosine = dot product)."""

    def __init__(
        self,
        vectors: Callable[[], np.ndarray],
        approximate: Callable[[np.ndarray, int], list[tuple[int, float]]],
        size: int,
        *,
        exact_limit: int = 20_000,
    ) -> None:
        self._vectors = vectors
        self._approximate = approximate  # (query, n) -> [(row, cosine)], best first, unfiltered
        self.size = size
        self.exact_limit = exact_limit

    def top(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        kept = self.size if allowed is None else int(np.count_nonzero(allowed))
        k = min(k, kept)
        if k <= 0:
            return []
        if kept <= self.exact_limit:
            return self.exact(query, k, allowed)
        if allowed is None:
            return self._approximate(query, k)
        fetch = min(self.size, MAX_FETCH, math.ceil(k * self.size / kept * OVERFETCH) + k)
        found = [(row, score) for row, score in self._approximate(query, fetch) if allowed[row]]
        if len(found) >= k:
            return found[:k]
        return self.exact(query, k, allowed)

    def exact(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        vectors = self._vectors()
        rows = None if allowed is None else np.flatnonzero(allowed)
        if rows is None or len(rows) * GATHER_SHARE >= len(vectors):
            scores = np.asarray(vectors @ query, dtype=np.float32)  # one streaming pass
            if rows is not None:
                scores = scores[rows]
        else:  # few rows of a big library: gather them rather than read every vector
            scores = np.asarray(vectors[rows] @ query, dtype=np.float32)
        k = min(k, len(scores))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        picked = best if rows is None else rows[best]
        return [(int(row), float(scores[i])) for row, i in zip(picked, best, strict=True)]
