"""Vectors for a build's chunks: reused from the previous build by chunk digest, else embedded.

A chunk's digest covers everything its vector depends on (the embedded text: heading prefix and
chunk text; see ``ingest.chunking.chunk_digest``), so an equal digest under the same model means an
equal vector. Identical chunks within one run are embedded once.

With ``RLA_UNIT_VECTORS=pooled`` (ADR 0024) the units of evidence get their vectors from the same
run: each chunk is run once for its vector and its token states, and each unit's vector is the mean
of the token states over its word pieces in that chunk (``assistant.embedding.pooling``). A unit
that cannot be placed in its chunk's word pieces is encoded on its own. A pooled unit vector
depends on its chunk, so it is reused only with its chunk (same digest, same unit text).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.build.lifecycle import StoredBuild
from assistant.build.unit_store import UnitStore, chunk_units
from assistant.embedding.embedder import Embedder, artefact_of, embed_matrix, route_of
from assistant.embedding.pooling import (
    ENCODED,
    LEGACY_KIND,
    POOLED,
    UNIT_VECTOR_KINDS,
    TokenStates,
    pooled_units,
)
from assistant.embedding.routes import same_route
from assistant.errors import ConfigurationError, ModelError
from assistant.text.units import Unit
from assistant.types import Chunk
from ingest.chunking import embed_text
from ingest.stream import one_ahead

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Vectors:
    matrix: np.ndarray  # float32 [chunks x dimensions], row i = chunk i, unit length
    embedded: int  # vectors computed in this run (identical chunks count once)
    reused: int  # chunks whose vector came from the previous build
    units: UnitStore | None = None  # pooled unit vectors made in the same runs (else None)


def reusable(
    previous: StoredBuild | None, embedder: Embedder, unit_vectors: str = ENCODED
) -> StoredBuild | None:
    """The previous build if its vectors were made by this embedder on the same route, with
    unit vectors of the same kind, else None."""
    if previous is None:
        return None
    info = previous.info
    if info.embedding_model != embedder.name or info.dimensions != embedder.dimensions:
        return None
    if not same_route(info.embedding_route, route_of(embedder)):
        return None
    if (info.unit_vectors or LEGACY_KIND) != unit_vector_kind(unit_vectors, embedder):
        return None
    if info.embedding_artefact != artefact_of(embedder):
        return None  # another export of the model (a fixed quantisation): its vectors differ
    return previous


def unit_vector_kind(requested: str, embedder: Embedder) -> str:
    """The kind of unit vectors ``embedder`` makes for the requested one: ``pooled`` needs token
    states (the OpenVINO and torch embedders give them); an embedder without them (a custom one,
    a test fake) makes ``encoded`` vectors, and the build records that."""
    if requested not in UNIT_VECTOR_KINDS:
        raise ConfigurationError(f"unknown unit vector kind {requested!r}")
    if requested == POOLED and getattr(embedder, "embed_tokens", None) is None:
        log.warning("%s gives no token states: unit vectors are encoded", embedder.name)
        return ENCODED
    return requested


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
    unit_vectors: str = ENCODED,
    previous_units: UnitStore | None = None,
    known: Mapping[str, np.ndarray] | None = None,
) -> Vectors:
    """One unit vector per chunk, in order; with ``unit_vectors="pooled"`` also the units of
    evidence and their vectors, pooled from the same runs (``Vectors.units``). ``known``: chunk
    vectors made earlier in this run, by digest (used, but not counted as reused from the previous
    build; the pooled route runs such a chunk again, as it needs its token states)."""
    if unit_vector_kind(unit_vectors, embedder) == POOLED:
        return _pooled(chunks, embedder, previous, previous_units, batch_size, progress)
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


# --- pooled unit vectors (ADR 0024) -------------------------------------------------------------


class UnitsByDigest(Mapping[str, list[Unit]]):
    """The units of the first of ``chunks`` with each digest, made when first asked for."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self._chunks = chunks
        self._first: dict[str, int] = {}
        for i, chunk in enumerate(chunks):
            self._first.setdefault(chunk.digest, i)
        self._made: dict[str, list[Unit]] = {}

    def __getitem__(self, digest: str) -> list[Unit]:
        if digest not in self._made:
            self._made[digest] = chunk_units(self._chunks, self._first[digest])
        return self._made[digest]

    def __iter__(self) -> Iterator[str]:
        return iter(self._first)

    def __len__(self) -> int:
        return len(self._first)


@dataclass(frozen=True)
class _Made:
    """One chunk's vector and its units' vectors (float32 rows; NaN rows still to encode)."""

    vector: np.ndarray
    units: list[Unit]
    unit_vectors: np.ndarray


def _pooled(
    chunks: Sequence[Chunk],
    embedder: Embedder,
    previous: StoredBuild | None,
    previous_units: UnitStore | None,
    batch_size: int,
    progress: bool,
) -> Vectors:
    embed_tokens = embedder.embed_tokens  # type: ignore[attr-defined]
    # units are made as each part's run is pooled, while the model runs the next part, rather
    # than all before the model starts (the cores would wait for them)
    found = UnitsByDigest(chunks)
    made = _kept(chunks, previous, previous_units, found)
    kept = set(made)
    todo = list({c.digest: c for c in chunks if c.digest not in kept}.values())
    parts = [todo[start : start + batch_size] for start in range(0, len(todo), batch_size)]
    texts = [[embed_text(c) for c in part] for part in parts]
    bar = _progress_bar(len(todo), progress)
    try:
        # the exported model runs one part ahead in a second thread while this one pools the
        # part before (its requests release the GIL; pooling is Python), so the cores do not
        # wait for pooling; the torch model's outputs for a part are large, so it runs in turn
        ahead = getattr(embedder, "runs_ahead", False)
        runs = one_ahead(texts, embed_tokens) if ahead else (embed_tokens(t) for t in texts)
        for part, part_texts, run in zip(parts, texts, runs, strict=True):
            made.update(_pooled_part(part, part_texts, run, embedder, found))
            if bar is not None:
                bar.update(len(part))
    finally:
        if bar is not None:
            bar.close()
    _encode_leftovers(list(made.values()), embedder)
    store = _unit_store(chunks, made, embedder.dimensions)
    store.embedded = sum(len(made[c.digest].units) for c in todo)
    matrix = np.zeros((len(chunks), embedder.dimensions), dtype=np.float32)
    for i, chunk in enumerate(chunks):
        matrix[i] = made[chunk.digest].vector
    return Vectors(matrix, len(todo), sum(1 for c in chunks if c.digest in kept), store)


def _kept(
    chunks: Sequence[Chunk],
    previous: StoredBuild | None,
    previous_units: UnitStore | None,
    units_of: Mapping[str, list[Unit]],
) -> dict[str, _Made]:
    """Chunks whose vector and unit vectors the previous build holds (same digest, and every unit
    the chunk has now): they are not run again."""
    if previous is None or previous_units is None:
        return {}
    rows = {c.digest: i for i, c in enumerate(previous.chunks)}
    out: dict[str, _Made] = {}
    for chunk in chunks:
        row = rows.get(chunk.digest)
        if row is None or chunk.digest in out:
            continue
        found = units_of[chunk.digest]
        old_units, old_vectors = previous_units.for_chunk(previous.chunks[row].chunk_id)
        by_text = {u.text: v for u, v in zip(old_units, old_vectors, strict=True)}
        if all(u.text in by_text for u in found):
            vectors = np.zeros((len(found), previous.vectors.shape[1]), dtype=np.float32)
            for i, unit in enumerate(found):
                vectors[i] = by_text[unit.text]
            out[chunk.digest] = _Made(np.asarray(previous.vectors[row]), found, vectors)
    return out


def _pooled_part(
    part: list[Chunk],
    texts: list[str],
    run: TokenStates,
    embedder: Embedder,
    units_of: Mapping[str, list[Unit]],
) -> dict[str, _Made]:
    """From ``part``'s one run (``texts`` as the model read them): each chunk's vector, and its
    units' vectors pooled from its token states (NaN rows for units to encode on their own)."""
    vectors = _checked(run.vectors, embedder)
    out: dict[str, _Made] = {}
    for i, chunk in enumerate(part):
        found = units_of[chunk.digest]
        pooled = pooled_units(
            texts[i], chunk.text, [u.text for u in found], run.states[i], run.offsets[i]
        )
        rows = np.full((len(found), embedder.dimensions), np.nan, dtype=np.float32)
        for j, vector in enumerate(pooled):
            if vector is not None:
                rows[j] = vector
        out[chunk.digest] = _Made(vectors[i], found, rows)
    return out


def _encode_leftovers(made: Sequence[_Made], embedder: Embedder) -> int:
    """Encode, each on its own, the units no chunk run could place; how many texts that was."""
    waiting = [(m, j) for m in made for j in np.flatnonzero(np.isnan(m.unit_vectors[:, 0]))]
    if not waiting:
        return 0
    texts = list(dict.fromkeys(m.units[j].text for m, j in waiting))
    matrix = _checked(embed_matrix(embedder, texts), embedder)
    row = {text: i for i, text in enumerate(texts)}
    for m, j in waiting:
        m.unit_vectors[j] = matrix[row[m.units[j].text]]
    log.info("pooled unit vectors: %d unit text(s) encoded on their own", len(texts))
    return len(texts)


def _unit_store(chunks: Sequence[Chunk], made: dict[str, _Made], dimensions: int) -> UnitStore:
    by_chunk: dict[str, tuple[int, int]] = {}
    rows: list[Unit] = []
    parts: list[np.ndarray] = [np.zeros((0, dimensions), dtype=np.float16)]
    for chunk in chunks:
        item = made[chunk.digest]
        by_chunk[chunk.chunk_id] = (len(rows), len(rows) + len(item.units))
        rows.extend(item.units)
        parts.append(item.unit_vectors.astype(np.float16))
    return UnitStore(by_chunk, rows, np.concatenate(parts), kind=POOLED)


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
