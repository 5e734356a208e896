"""Deterministic stand-ins for pure unit tests (integration tests use the real packaged model)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from assistant.evidence.calibration import CALIBRATIONS, POOLED_CALIBRATIONS, Calibration
from assistant.keyword import tokenize

# Evidence thresholds are calibrated per embedding model (assistant/evidence/calibration.py); a hashed bag of
# words scores on its own scale, so it is registered here just as a real model would be there.
CALIBRATIONS["hashing-embedder"] = Calibration(no_evidence=0.05, answered=0.1, relative=0.75)
# The token-giving variant scores units pooled from their chunk on a scale of its own (ADR 0024).
CALIBRATIONS["token-hashing-embedder"] = Calibration(0.05, 0.1, 0.75)
POOLED_CALIBRATIONS["token-hashing-embedder"] = Calibration(0.07, 0.12, 0.7)


class HashingEmbedder:
    """Bag-of-stemmed-words hashed into a small normalised vector: similar words, similar vectors."""

    name = "test/hashing-embedder"
    max_tokens = 256

    def __init__(self, dimensions: int = 64) -> None:
        self.dimensions = dimensions
        self.calls = 0
        self.texts_embedded = 0

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dimensions
        for token in tokenize(text) or ["\x00"]:
            h = int.from_bytes(hashlib.sha256(token.encode()).digest()[:4], "big")
            vec[h % self.dimensions] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        self.calls += 1
        self.texts_embedded += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2


def serve_build(  # type: ignore[no-untyped-def]
    settings,
    documents: Sequence,  # type: ignore[type-arg]
    chunks: Sequence,  # type: ignore[type-arg]
    pages: Sequence,  # type: ignore[type-arg]
    embedder,
    *,
    is_demo: bool = False,
    tokenizer: str = "test",
    units: bool = True,
):
    """Embed ``chunks``, write a real build (Chroma + BM25 + manifest, and units of evidence
    unless ``units`` is false, as a build made before them) and serve it: BuildInfo."""
    import numpy as np

    from assistant.build.index import BuildContent, write_build
    from assistant.build.lifecycle import swap
    from assistant.build.unit_store import UnitStore

    vectors = np.asarray(embedder.embed_documents([c.text for c in chunks]), dtype=np.float32)
    info = write_build(
        settings,
        BuildContent(
            documents=documents,
            chunks=chunks,
            pages=pages,
            vectors=vectors,
            embedding_model=embedder.name,
            tokenizer=tokenizer,
            is_demo=is_demo,
            units=UnitStore.from_chunks(chunks, embedder) if units else None,
        ),
    )
    swap(settings, info.build_id)
    return info


class TokenHashingEmbedder(HashingEmbedder):
    """A HashingEmbedder that also gives token states (``RLA_UNIT_VECTORS=pooled``): one hashed
    row per word with its character offsets, between two special rows at (0, 0). A text's vector
    is the mean of its rows at unit length, as with a mean-pooling model."""

    name = "test/token-hashing-embedder"

    def _states(self, text: str):  # type: ignore[no-untyped-def]
        import re

        import numpy as np

        words = list(re.finditer(r"\w+", text))[: self.max_tokens - 2]
        states = np.zeros((len(words) + 2, self.dimensions), dtype=np.float32)
        offsets = np.zeros((len(words) + 2, 2), dtype=np.int64)
        states[0, 0] = states[-1, 1] = 1.0  # [CLS] and [SEP]
        for i, word in enumerate(words, start=1):
            h = hashlib.sha256(word.group().lower().encode()).digest()
            states[i, h[0] % self.dimensions] += 1.0
            states[i, h[1] % self.dimensions] += 0.5
            offsets[i] = word.span()
        return states, offsets

    def _vector(self, text: str) -> list[float]:
        import numpy as np

        mean = self._states(text)[0].mean(axis=0)
        return (mean / np.linalg.norm(mean)).tolist()  # type: ignore[no-any-return]

    def embed_tokens(self, texts: Sequence[str]):  # type: ignore[no-untyped-def]
        import numpy as np

        from assistant.embedding.pooling import TokenStates

        self.calls += 1
        self.texts_embedded += len(texts)
        made = [self._states(t) for t in texts]
        vectors = np.asarray([self._vector(t) for t in texts], dtype=np.float32)
        return TokenStates(vectors, tuple(s for s, _ in made), tuple(o for _, o in made))
