"""Deterministic stand-ins for pure unit tests (integration tests use the real packaged model)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence

from assistant.evidence import CALIBRATIONS, Calibration
from assistant.keyword import tokenize

# Evidence thresholds are calibrated per embedding model (assistant/evidence.py); a hashed bag of
# words scores on its own scale, so it is registered here just as a real model would be there.
CALIBRATIONS["hashing-embedder"] = Calibration(no_evidence=0.05, answered=0.1, relative=0.75)


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
