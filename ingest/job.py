"""The ingestion job: files in, a new validated build served, or nothing touched.

    report = run_ingest(settings, [Path("library")], embedder=embedder)

Steps: take the ingest lock; prune a killed run's leftovers; read the served build; load, chunk and
tag every file (each failure becomes a report row, never an exception); plan which documents are
added, updated, unchanged, carried over or removed; embed only chunks whose digest the served build
does not already hold; write a new build, validate it, swap the served pointer, prune old builds.
The served build is replaced only by ``swap`` (an atomic rename) after validation, so a failed or
killed run leaves it exactly as it was.
"""

from __future__ import annotations

import fcntl
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.build.index import BuildContent, write_build
from assistant.build.lifecycle import (
    StoredBuild,
    discard_build,
    prune,
    read_build,
    served_build_id,
    swap,
    validate_build,
)
from assistant.build.unit_store import UnitStore
from assistant.embedding.embedder import Embedder, route_of
from assistant.errors import BuildError, ConfigurationError, IngestError
from assistant.files import file_digest
from assistant.text import tokens
from assistant.types import Chunk, Document, Page
from ingest.chunking import EMBED_FORMAT
from ingest.embedding import missing_digests, reusable, vectors_for
from ingest.prepare import Prepared, Preparer, Source, find_files, outcome_for_error
from ingest.report import SUCCESS, DocumentOutcome, IngestReport, NothingIngested
from ingest.unchanged import KEY_FIELD, Loading, Unchanged, carried_record, source_record

if TYPE_CHECKING:
    from assistant.settings import Settings

__all__ = ["IngestReport", "NothingIngested", "run_ingest"]

log = logging.getLogger(__name__)

LOCK_NAME = "ingest.lock"


def run_ingest(
    settings: Settings,
    paths: Sequence[Path],
    *,
    embedder: Embedder,
    manifest: Path | None = None,
    sync: bool = False,
    dry_run: bool = False,
    demo: bool = False,
    progress: bool = False,
) -> IngestReport:
    """Ingest ``paths`` into a new build and serve it. Raises NothingIngested (an IngestError
    carrying the report) when no given document could be ingested; BuildError when a build cannot
    be written or validated. In both cases the served build is untouched."""
    started = time.monotonic()
    with ingest_lock(settings, shared=dry_run):
        if not dry_run:
            prune(settings)  # incomplete builds of killed runs
        notes: list[str] = []
        previous = _served(settings, notes)
        old = _by_document(previous)
        unchanged = Unchanged.from_build(previous.sources if previous else {}, old)
        preparer = Preparer(settings, limit=embedder, manifest=_manifest(manifest), demo=demo)
        exclude = [manifest] if manifest is not None else []
        loading = Loading(preparer, unchanged, exclude, progress)
        prepared, failures = _prepare_all(settings, loading, paths, previous)
        notes += loading.unread_note(prepared)
        plan = _plan(prepared, failures, old, previous, sync=sync, demo=demo)
        usable = reusable(previous, embedder, settings.unit_vectors)
        to_embed = missing_digests(plan.chunks, usable)
        outcomes = _with_embed_counts(plan.outcomes, plan.chunks, to_embed)
        base = IngestReport(
            outcomes=tuple(outcomes),
            documents=len(plan.documents),
            chunks=len(plan.chunks),
            previous_build_id=previous.info.build_id if previous else "",
            dry_run=dry_run,
            demo=demo,
            notes=tuple(notes + plan.notes),
        )
        if not prepared:
            raise NothingIngested(_finish(base, started))
        if dry_run:
            note = f"would embed {len(to_embed)} chunk(s)"
            return _finish(replace(base, notes=(*base.notes, note)), started)
        if previous is not None and usable is not None and not plan.changed:
            reused = len(plan.chunks)
            report = replace(base, build_id=previous.info.build_id, chunks_reused=reused)
            return _finish(report, started)
        return _finish(_build(settings, plan, base, embedder, usable, demo, progress), started)


# --- lock ---------------------------------------------------------------------------------------


@contextmanager
def ingest_lock(settings: Settings, *, shared: bool = False) -> Iterator[None]:
    """An exclusive lock on ``data_dir/ingest.lock`` (shared for dry runs): two ingests never
    write at once. The kernel drops it when the process dies, even with kill -9."""
    path = settings.data_dir / LOCK_NAME
    try:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        where = settings.data_dir
        raise ConfigurationError(f"cannot write to the data directory {where}: {exc}") from exc
    with handle as fh:
        try:
            fcntl.flock(fh, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(
                f"another `rla ingest` is running on {settings.data_dir} (lock: {path}); "
                "wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --- reading what is served ---------------------------------------------------------------------


def _served(settings: Settings, notes: list[str]) -> StoredBuild | None:
    build_id = served_build_id(settings)
    if build_id is None:
        return None
    try:
        return read_build(settings, build_id)
    except BuildError as exc:
        notes.append(f"the served build could not be read ({exc}); nothing carried over or reused")
        log.warning("served build unreadable: %s", exc)
        return None


def _manifest(path: Path | None) -> Mapping[str, Any]:
    if path is None:
        return {}
    from ingest.metadata import read_manifest

    return read_manifest(path)


# --- loading every file -------------------------------------------------------------------------


def _prepare_all(
    settings: Settings,
    loading: Loading,
    paths: Sequence[Path],
    previous: StoredBuild | None = None,
) -> tuple[list[Prepared], list[DocumentOutcome]]:
    sources, failures = find_files(paths, exclude=loading.exclude)
    sources = _originals_first(sources, previous)
    prepared: list[Prepared] = []
    digests: dict[str, str] = {}
    doc_ids: dict[str, str] = {}
    limit = int(settings.max_file_mb * 1024 * 1024)
    for source in _maybe_progress(sources, loading.progress):
        try:
            if source.path.stat().st_size > limit:
                mb = source.path.stat().st_size / (1024 * 1024)
                cap = f"{settings.max_file_mb:g}"
                raise IngestError("too_large", f"{mb:.1f} MB is over the {cap} MB cap")
            digest = file_digest(source.path)
            if digest in digests:
                raise IngestError("duplicate", f"same content as {digests[digest]}")
            digests[digest] = source.shown
            item = loading.prepared(source, digest)
            if item.document.doc_id in doc_ids:
                first = doc_ids[item.document.doc_id]
                raise IngestError("duplicate_id", f"doc_id {item.document.doc_id!r} is {first}'s")
            doc_ids[item.document.doc_id] = source.shown
            prepared.append(item)
        except Exception as exc:  # one file never stops the run
            failures.append(outcome_for_error(source, exc))
    return prepared, failures


def _originals_first(sources: list[Source], previous: StoredBuild | None) -> list[Source]:
    """Files a served document was read from go first (otherwise in the walk's order), so that
    when a copy of one appears, the copy is reported as the duplicate and the original stays."""
    if previous is None:
        return sources
    served = {_key(d.path) for d in previous.documents}
    return sorted(sources, key=lambda s: _key(str(s.path)) not in served)


def _maybe_progress(items: list[Any], enabled: bool) -> Any:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="loading", unit="file", leave=False)


# --- planning -----------------------------------------------------------------------------------


@dataclass
class Plan:
    documents: list[Document] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changed: bool = False
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # ingest.unchanged records

    def add(
        self,
        document: Document,
        chunks: Sequence[Chunk],
        pages: Sequence[Page],
        source: Mapping[str, Any],
    ) -> None:
        self.documents.append(document)
        self.chunks.extend(chunks)
        self.pages.extend(pages)
        if source:
            self.sources[document.doc_id] = dict(source)


def _plan(
    prepared: Sequence[Prepared],
    failures: Sequence[DocumentOutcome],
    old: Mapping[str, tuple[Document, list[Chunk], list[Page]]],
    previous: StoredBuild | None,
    *,
    sync: bool,
    demo: bool,
) -> Plan:
    plan = Plan(changed=previous is None)
    kept = previous.sources if previous is not None else {}
    for item in prepared:
        doc = item.document
        status = _status(item, old.get(doc.doc_id))
        plan.changed |= status != "unchanged"
        # same content, read again under other code or settings: what the build derives from it
        # (units of evidence, keyword tokens) may differ, so the build is written again
        plan.changed |= item.key != str(kept.get(doc.doc_id, {}).get(KEY_FIELD) or item.key)
        plan.add(doc, item.chunks, item.pages, source_record(item.key, item.warnings))
        row = _outcome(item.source, doc, status, len(item.chunks), len(item.pages))
        plan.outcomes.append(replace(row, detail="; ".join(item.warnings)))
    failed_at = {_key(f.path): i for i, f in enumerate(failures) if f.reason != "duplicate"}
    failures = list(failures)
    present = {p.document.doc_id for p in prepared}
    for doc_id, (doc, chunks, pages) in old.items():
        if doc_id in present:
            continue
        if _key(doc.path) in failed_at:  # the file is still there but unreadable now: keep it
            i = failed_at[_key(doc.path)]
            detail = (failures[i].detail + "; " if failures[i].detail else "") + (
                "the version ingested earlier is still served"
            )
            failures[i] = replace(failures[i], doc_id=doc_id, detail=detail)
            plan.add(doc, chunks, pages, carried_record(kept.get(doc_id, {})))
        elif doc.is_demo != demo:
            plan.changed = True
            why = "demo library replaced by a real library" if doc.is_demo else "demo run"
            plan.outcomes.append(_removed(doc, len(chunks), len(pages), why))
        elif sync:
            plan.changed = True
            plan.outcomes.append(_removed(doc, len(chunks), len(pages), "not in the given paths"))
        else:
            plan.add(doc, chunks, pages, carried_record(kept.get(doc_id, {})))
            row = _outcome(doc.path, doc, "unchanged", len(chunks), len(pages))
            plan.outcomes.append(replace(row, detail="kept: not in the given paths"))
    plan.outcomes = failures + plan.outcomes
    return plan


def _by_document(
    previous: StoredBuild | None,
) -> dict[str, tuple[Document, list[Chunk], list[Page]]]:
    if previous is None:
        return {}
    out: dict[str, tuple[Document, list[Chunk], list[Page]]] = {
        d.doc_id: (d, [], []) for d in previous.documents
    }
    for chunk in previous.chunks:
        out[chunk.doc_id][1].append(chunk)
    for page in previous.pages:
        if page.doc_id in out:
            out[page.doc_id][2].append(page)
    return out


def _status(item: Prepared, old: tuple[Document, list[Chunk], list[Page]] | None) -> str:
    if old is None:
        return "added"
    doc, chunks, pages = old
    same = doc == item.document and chunks == list(item.chunks) and pages == list(item.pages)
    return "unchanged" if same else "updated"


def _key(path: str) -> str:
    try:
        return str(Path(path).resolve())
    except OSError:
        return path


def _outcome(path: str, doc: Document, status: Any, chunks: int, pages: int) -> DocumentOutcome:
    return DocumentOutcome(path, doc.doc_id, status, pages=pages, chunks=chunks, title=doc.title)


def _removed(doc: Document, chunks: int, pages: int, why: str) -> DocumentOutcome:
    reason = "sync" if why == "not in the given paths" else "demo"
    return DocumentOutcome(
        doc.path, doc.doc_id, "removed", reason, why, pages, chunks, 0, doc.title
    )


def _with_embed_counts(
    outcomes: Sequence[DocumentOutcome], chunks: Sequence[Chunk], to_embed: set[str]
) -> list[DocumentOutcome]:
    counts: dict[str, int] = {}
    for chunk in chunks:
        if chunk.digest in to_embed:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    return [
        replace(o, chunks_embedded=counts.get(o.doc_id, 0)) if o.status in SUCCESS else o
        for o in outcomes
    ]


# --- building -----------------------------------------------------------------------------------


def _build(
    settings: Settings,
    plan: Plan,
    base: IngestReport,
    embedder: Embedder,
    usable: StoredBuild | None,
    demo: bool,
    progress: bool,
) -> IngestReport:
    log.info("embedding: %d chunks, %d documents", len(plan.chunks), len(plan.documents))
    previous_units = UnitStore.load(settings.builds_dir / usable.info.build_id) if usable else None
    vectors = vectors_for(
        plan.chunks,
        embedder=embedder,
        previous=usable,
        batch_size=settings.embedding_batch_size * 4,
        progress=progress,
        unit_vectors=settings.unit_vectors,
        previous_units=previous_units,
    )
    units = (
        vectors.units
        if vectors.units is not None
        else UnitStore.from_chunks(plan.chunks, embedder, previous_units)
    )
    content = BuildContent(
        documents=plan.documents,
        chunks=plan.chunks,
        pages=plan.pages,
        vectors=vectors.matrix,
        embedding_model=embedder.name,
        embedding_route=route_of(embedder),
        tokenizer=f"{tokens.ENCODING_NAME}; chunk_tokens={settings.chunk_tokens}; "
        f"overlap={settings.chunk_overlap}; embed={EMBED_FORMAT}",
        is_demo=demo,
        units=units,
        sources=plan.sources,
    )
    log.info("writing build: %d embedded, %d reused", vectors.embedded, vectors.reused)
    info = write_build(settings, content)
    log.info("validating build %s", info.build_id)
    try:
        validate_build(settings, info.build_id)
    except Exception as exc:
        discard_build(settings, info.build_id)
        raise BuildError(f"the new build failed validation and was discarded: {exc}") from exc
    previous_id = swap(settings, info.build_id)
    log.info("serving build %s (previous %s)", info.build_id, previous_id)
    prune(settings)
    return replace(
        base,
        build_id=info.build_id,
        previous_build_id=previous_id or "",
        chunks_embedded=vectors.embedded,
        chunks_reused=vectors.reused,
        units_embedded=units.embedded,
        swapped=True,
    )


def _finish(report: IngestReport, started: float) -> IngestReport:
    return replace(report, seconds=time.monotonic() - started)
