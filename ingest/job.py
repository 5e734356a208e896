"""The ingestion job: files in, a new validated build served, or nothing touched.

    report = run_ingest(settings, [Path("library")], embedder=embedder)

Steps: take the ingest lock; prune a killed run's leftovers; read the served build; load, chunk and
tag each file in a second thread, a couple of files ahead (``ingest.stream``; each failure becomes a
report row, never an exception); plan each document as it comes (added, updated or unchanged) and
hand it to the sink (``ingest.writing``), which embeds only chunks whose vector neither the served
build nor this run already holds and appends the document to the new build; then carry over or
remove the served documents not seen; finish the build, validate it, swap the served pointer,
prune old builds. Memory stays flat as the library grows: no step holds every document. The served
build is replaced only by ``swap`` (an atomic rename) after validation, so a failed or killed run
leaves it exactly as it was, and a failed run removes its partial build.
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

from assistant.build.lifecycle import (
    StoredBuild,
    discard_build,
    prune,
    read_build,
    served_build_id,
    swap,
    validate_build,
)
from assistant.embedding.embedder import Embedder
from assistant.errors import BuildError, ConfigurationError
from assistant.types import Chunk, Document, Page
from ingest.embedding import reusable
from ingest.prepare import Prepared, Preparer, Source, find_files
from ingest.report import SUCCESS, DocumentOutcome, IngestReport, NothingIngested
from ingest.stream import Turns, prepared_each, prepared_in_background
from ingest.unchanged import KEY_FIELD, Loading, Unchanged, carried_record, source_record
from ingest.writing import BuildSink, Entry

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
    be written or validated. In both cases the served build is untouched and a partial new build
    is removed."""
    started = time.monotonic()
    with ingest_lock(settings, shared=dry_run):
        if not dry_run:
            prune(settings)  # incomplete builds of killed runs
        notes: list[str] = []
        previous = _served(settings, notes)
        old = _by_document(previous)
        unchanged = Unchanged.from_build(previous.sources if previous else {}, old)
        turns = Turns(embedder)
        preparer = Preparer(settings, limit=turns, manifest=_manifest(manifest), demo=demo)
        exclude = [manifest] if manifest is not None else []
        loading = Loading(preparer, unchanged, exclude, progress)
        usable = reusable(previous, embedder, settings.unit_vectors)
        must_write = previous is None or usable is None
        sink = BuildSink(
            settings, embedder, usable, turns, demo=demo, write=not dry_run, must_write=must_write
        )
        try:
            plan = Plan(old, _digests(usable), dry_run, changed=previous is None)
            _stream(settings, loading, paths, previous, plan, sink)
            _carry(plan, previous, sink, sync=sync, demo=demo)
            base = IngestReport(
                outcomes=tuple(_with_embed_counts(plan.outcomes, plan.embed_counts)),
                documents=plan.documents,
                chunks=plan.chunks,
                previous_build_id=previous.info.build_id if previous else "",
                dry_run=dry_run,
                demo=demo,
                notes=tuple(notes + plan.notes),
            )
            if not plan.present:
                raise NothingIngested(_finish(base, started))
            if dry_run:
                note = f"would embed {len(plan.to_embed)} chunk(s)"
                return _finish(replace(base, notes=(*base.notes, note)), started)
            if not must_write and not plan.changed:
                report = replace(base, build_id=previous.info.build_id, chunks_reused=plan.chunks)  # type: ignore[union-attr]
                return _finish(report, started)
            return _finish(_serve(settings, sink, base), started)
        finally:
            sink.close()


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


def _stream(
    settings: Settings,
    loading: Loading,
    paths: Sequence[Path],
    previous: StoredBuild | None,
    plan: Plan,
    sink: BuildSink,
) -> None:
    """Every file, prepared a little ahead in a second thread, planned and handed to ``sink`` as
    it comes (the sink embeds and writes while the next files are prepared)."""
    sources, failures = find_files(paths, exclude=loading.exclude)
    sources = _originals_first(sources, previous)
    plan.failures.extend(failures)
    kept = previous.sources if previous is not None else {}
    unread = 0
    preparing = sink.turns.preparing
    results = prepared_each(settings, loading, sources)
    for result in prepared_in_background(results, busy=preparing, meanwhile=sink.open_now):
        if isinstance(result, DocumentOutcome):
            plan.failures.append(result)
            continue
        doc = result.document
        status = _status(result, plan.old.get(doc.doc_id))
        plan.changed |= status != "unchanged"
        # same content, read again under other code or settings: what the build derives from it
        # (units of evidence, keyword tokens) may differ, so the build is written again
        plan.changed |= result.key != str(kept.get(doc.doc_id, {}).get(KEY_FIELD) or result.key)
        unread += loading.is_unread(result)
        plan.present.add(doc.doc_id)
        plan.add(
            Entry(doc, result.chunks, result.pages, source_record(result.key, result.warnings)),
            sink,
        )
        row = _outcome(result.source, doc, status, len(result.chunks), len(result.pages))
        plan.outcomes.append(replace(row, detail="; ".join(result.warnings)))
    plan.notes += loading.unread_note(unread)


def _originals_first(sources: list[Source], previous: StoredBuild | None) -> list[Source]:
    """Files a served document was read from go first (otherwise in the walk's order), so that
    when a copy of one appears, the copy is reported as the duplicate and the original stays."""
    if previous is None:
        return sources
    served = {_key(d.path) for d in previous.documents}
    return sorted(sources, key=lambda s: _key(str(s.path)) not in served)


# --- planning -----------------------------------------------------------------------------------


@dataclass
class Plan:
    """What the run has decided so far; documents themselves go to the sink, not here."""

    old: Mapping[str, tuple[Document, list[Chunk], list[Page]]] = field(default_factory=dict)
    known: frozenset[str] = frozenset()  # chunk digests whose vectors the served build holds
    dry_run: bool = False
    changed: bool = False
    documents: int = 0
    chunks: int = 0
    present: set[str] = field(default_factory=set)  # doc_ids prepared from the given files
    failures: list[DocumentOutcome] = field(default_factory=list)
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    embed_counts: dict[str, int] = field(default_factory=dict)  # doc_id -> chunks to embed
    to_embed: set[str] = field(default_factory=set)  # digests to embed (kept in dry runs only)

    def add(self, entry: Entry, sink: BuildSink) -> None:
        self.documents += 1
        self.chunks += len(entry.chunks)
        new = [c.digest for c in entry.chunks if c.digest not in self.known]
        self.embed_counts[entry.document.doc_id] = len(new)
        if self.dry_run:
            self.to_embed.update(new)
        sink.add(entry, changed=self.changed)


def _carry(
    plan: Plan,
    previous: StoredBuild | None,
    sink: BuildSink,
    *,
    sync: bool,
    demo: bool,
) -> None:
    """The served build's documents not prepared in this run: kept (their file is unreadable
    now, or was not given), or removed (``sync``, or a demo library replaced)."""
    if not plan.present:
        sink.stop()  # nothing ingested: nothing will be built
    kept = previous.sources if previous is not None else {}
    failures = plan.failures
    failed_at = {_key(f.path): i for i, f in enumerate(failures) if f.reason != "duplicate"}
    for doc_id, (doc, chunks, pages) in plan.old.items():
        if doc_id in plan.present:
            continue
        entry = Entry(doc, chunks, pages, carried_record(kept.get(doc_id, {})))
        if _key(doc.path) in failed_at:  # the file is still there but unreadable now: keep it
            i = failed_at[_key(doc.path)]
            detail = (failures[i].detail + "; " if failures[i].detail else "") + (
                "the version ingested earlier is still served"
            )
            failures[i] = replace(failures[i], doc_id=doc_id, detail=detail)
            plan.add(entry, sink)
        elif doc.is_demo != demo:
            plan.changed = True
            why = "demo library replaced by a real library" if doc.is_demo else "demo run"
            plan.outcomes.append(_removed(doc, len(chunks), len(pages), why))
        elif sync:
            plan.changed = True
            plan.outcomes.append(_removed(doc, len(chunks), len(pages), "not in the given paths"))
        else:
            plan.add(entry, sink)
            row = _outcome(doc.path, doc, "unchanged", len(chunks), len(pages))
            plan.outcomes.append(replace(row, detail="kept: not in the given paths"))
    plan.outcomes = failures + plan.outcomes


def _digests(usable: StoredBuild | None) -> frozenset[str]:
    return frozenset(c.digest for c in usable.chunks) if usable is not None else frozenset()


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
    outcomes: Sequence[DocumentOutcome], counts: Mapping[str, int]
) -> list[DocumentOutcome]:
    return [
        replace(o, chunks_embedded=counts.get(o.doc_id, 0)) if o.status in SUCCESS else o
        for o in outcomes
    ]


# --- serving ------------------------------------------------------------------------------------


def _serve(settings: Settings, sink: BuildSink, base: IngestReport) -> IngestReport:
    """Finish the streamed build, validate it, swap it in and prune old builds."""
    info = sink.finish()
    counts = sink.counts
    log.info(
        "wrote build %s: %d embedded, %d reused", info.build_id, counts.embedded, counts.reused
    )
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
        chunks_embedded=counts.embedded,
        chunks_reused=counts.reused,
        units_embedded=counts.units_embedded,
        swapped=True,
    )


def _finish(report: IngestReport, started: float) -> IngestReport:
    return replace(report, seconds=time.monotonic() - started)
