"""Vectors for a build's chunks: reused from the previous build by chunk digest, else embedded.

A chunk's digest covers everything its vector depends on (the embedded text: heading prefix and
chunk text; see ``ingest.chunking.chunk_digest``), so an equal digest under the same model means an
equal vector. Identical chunks within one run are embedded once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.build.lifecycle import StoredBuild
from assistant.embedding.embedder import Embedder, embed_matrix, route_of
from assistant.embedding.routes import same_route
from assistant.errors import ModelError
from assistant.types import Chunk
from ingest.chunking import embed_text


@dataclass(frozen=True)
class Vectors:
    matrix: np.ndarray  # float32 [chunks x dimensions], row i = chunk i, unit length
    embedded: int  # vectors computed in this run (identical chunks count once)
    reused: int  # chunks whose vector came from the previous build


def reusable(previous: StoredBuild | None, embedder: Embedder) -> StoredBuild | None:
    """The previous build if its vectors were made by this embedder on the same route, else None."""
    if previous is None:
        return None
    info = previous.info
    if info.embedding_model != embedder.name or info.dimensions != embedder.dimensions:
        return None
    if not same_route(info.embedding_route, route_of(embedder)):
        return None
    return previous


def missing_digests(chunks: Sequence[Chunk], previous: StoredBuild | None) -> set[str]:
    """Digests of the chunks that would have to be embedded."""
    known = {c.digest for c in previous.chunks} if previous is not None else set()
    return {c.digest for c in chunks if c.digest not in known}


def vectors_for(
    chunks: Sequence[Chunk],
    *,
    embedder: Embedder,
    previous: StoredBuild | None,
    batch_size: int = 128,
    progress: bool = False,
    known: Mapping[str, np.ndarray] | None = None,
) -> Vectors:
    """One unit vector per chunk, in order. ``known``: vectors made earlier in this run, by digest
    (used, but not counted as reused from the previous build)."""
    rows = {c.digest: i for i, c in enumerate(previous.chunks)} if previous is not None else {}
    by_digest: dict[str, np.ndarray] = {}
    to_embed: dict[str, Chunk] = {}
    for chunk in chunks:
        if chunk.digest in rows:
            by_digest[chunk.digest] = np.asarray(previous.vectors[rows[chunk.digest]])  # type: ignore[union-attr]
        elif known is not None and chunk.digest in known:
            by_digest[chunk.digest] = np.asarray(known[chunk.digest])
        else:
            to_embed.setdefault(chunk.digest, chunk)
    by_digest.update(_embed(list(to_embed.values()), embedder, batch_size, progress))
    matrix = np.zeros((len(chunks), embedder.dimensions), dtype=np.float32)
    for i, chunk in enumerate(chunks):
        matrix[i] = by_digest[chunk.digest]
    reused = sum(1 for c in chunks if c.digest in rows)
    return Vectors(matrix, len(to_embed), reused)


def _embed(
    chunks: list[Chunk], embedder: Embedder, batch_size: int, progress: bool
) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if not chunks:
        return out
    bar = _progress_bar(len(chunks), progress)
    try:
        for start in range(0, len(chunks), batch_size):
            part = chunks[start : start + batch_size]
            texts = [embed_text(c) for c in part]
            vectors = _checked(embed_matrix(embedder, texts, part=len(texts)), embedder)
            for chunk, vector in zip(part, vectors, strict=True):
                out[chunk.digest] = vector
            if bar is not None:
                bar.update(len(part))
    finally:
        if bar is not None:
            bar.close()
    return out


def _checked(raw: Sequence[Sequence[float]] | np.ndarray, embedder: Embedder) -> np.ndarray:
    """The batch as unit float32 rows; ModelError on a wrong shape or a non-finite value."""
    matrix = np.asarray(raw, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[1] != embedder.dimensions:
        raise ModelError(f"{embedder.name} returned vectors of shape {matrix.shape}")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.all(np.isfinite(matrix)) or np.any(norms == 0):
        raise ModelError(f"{embedder.name} returned a zero or non-finite vector")
    unit: np.ndarray = matrix / norms
    return unit


def _progress_bar(total: int, enabled: bool):  # type: ignore[no-untyped-def]
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="embedding", unit="chunk", leave=False)
