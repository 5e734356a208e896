"""How an ingest keeps both cores busy and its memory flat.

- ``prepared_in_background``: files are loaded, cleaned, chunked and tagged in a second thread,
  at most ``depth`` documents ahead, while the caller embeds and writes the ones before them (the
  exported model releases the GIL while it computes, so preparing and embedding overlap).
- ``one_ahead``: a function applied to a list of inputs in a second thread, one input ahead of
  the caller (the model computes the next part while the caller pools the last one).
- ``Turns``: an embedder whose tokenizer cannot count in one thread while it embeds in another
  (sentence-transformers; it says so with ``counts_concurrently = False``) is used in turns.
- ``RunChunks`` and ``RunUnits``: vectors already written in this run (and the served build's
  unit vectors), found by digest or text and read back from disk, so a text repeated across
  documents is embedded once without holding every vector in memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from assistant.build.appending import NpyAppender
from assistant.build.unit_store import UNITS_FILE, VECTORS_FILE, UnitStore
from assistant.errors import IngestError
from assistant.files import file_digest
from ingest.prepare import Prepared, Source, outcome_for_error
from ingest.report import DocumentOutcome

if TYPE_CHECKING:
    from assistant.settings import Settings
    from ingest.unchanged import Loading

log = logging.getLogger(__name__)

Result = Prepared | DocumentOutcome


# --- preparing ahead, in a second thread ---------------------------------------------------------


def prepared_each(settings: Settings, loading: Loading, sources: list[Source]) -> Iterator[Result]:
    """Each file prepared (or taken unchanged from the served build), or the outcome of its
    failure, in order. One file's failure never stops the others."""
    digests: dict[str, str] = {}
    doc_ids: dict[str, str] = {}
    limit = int(settings.max_file_mb * 1024 * 1024)
    for source in _maybe_progress(sources, loading.progress):
        try:
            size = source.path.stat().st_size
            if size > limit:
                mb, cap = size / (1024 * 1024), f"{settings.max_file_mb:g}"
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
            yield item
        except Exception as exc:  # one file never stops the run
            yield outcome_for_error(source, exc)


def _maybe_progress(items: list[Any], enabled: bool) -> Any:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc="loading", unit="file", leave=False)


@dataclass(frozen=True)
class _Raised:
    error: BaseException


_DONE = object()


def prepared_in_background(
    results: Iterator[Result],
    *,
    depth: int = 2,
    busy: threading.Event | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[Result]:
    """``results`` computed in a second thread, at most ``depth`` ahead of the caller. Leaving
    the loop early (an error while embedding) stops the thread after its current file. ``busy``
    is set while the thread computes a result (not while it waits for room to hand it over).
    ``meanwhile`` is called once the thread has started, before the first result is awaited."""
    ahead: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            while (result := _next(results, busy)) is not _DONE:
                if not put(result):
                    return
        except BaseException as exc:  # handed to the caller, raised there
            put(_Raised(exc))
            return
        put(_DONE)

    thread = threading.Thread(target=work, name="rla-prepare", daemon=True)
    thread.start()
    try:
        if meanwhile is not None:
            meanwhile()
        while True:
            item = ahead.get()
            if item is _DONE:
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()


In = TypeVar("In")
Out = TypeVar("Out")


def one_ahead(inputs: Sequence[In], compute: Callable[[In], Out]) -> Iterator[Out]:
    """``compute(x)`` for each input in order, each computed in a second thread while the caller
    handles the result before it (at most two results exist at once). An error in ``compute`` is
    raised to the caller; leaving the loop early waits only for the result being computed."""
    if len(inputs) < 2:
        yield from (compute(x) for x in inputs)
        return
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rla-embed") as worker:
        future = worker.submit(compute, inputs[0])
        for following in inputs[1:]:
            done = future.result()
            future = worker.submit(compute, following)
            yield done
        yield future.result()


def _next(results: Iterator[Result], busy: threading.Event | None) -> Any:
    if busy is not None:
        busy.set()
    try:
        return next(results, _DONE)
    finally:
        if busy is not None:
            busy.clear()


class Turns:
    """Counting tokens (preparing) and embedding take turns when the embedder needs it; and
    while a file is being prepared, an embedder that can share the cores is asked to."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.preparing = threading.Event()  # set while the preparing thread works on a file
        self.lock = threading.Lock()
        self.needed = not getattr(embedder, "counts_concurrently", True)
        self.max_tokens = embedder.max_tokens
        # the token limit's model is part of each file's preparation key (ingest.unchanged)
        self.name = getattr(embedder, "name", type(embedder).__name__)

    def sharing_cores(self) -> AbstractContextManager[None]:
        """While embedding: the exported model runs one request at a time whenever a file is
        being prepared, so the preparing thread keeps a core (``OpenVinoEmbedder``)."""
        share = getattr(self.embedder, "sharing_cores", None)
        return share(self.preparing) if share is not None else contextlib.nullcontext()

    def count_tokens(self, text: str) -> int:
        if not self.needed:
            return int(self.embedder.count_tokens(text))
        with self.lock:
            return int(self.embedder.count_tokens(text))


# --- vectors already made in this run -----------------------------------------------------------


class RunChunks(Mapping[str, np.ndarray]):
    """Chunk vectors written so far in this build, by chunk digest (read back from the file)."""

    def __init__(self, vectors: NpyAppender) -> None:
        self._vectors = vectors
        self._rows: dict[str, int] = {}

    def record(self, digests: Sequence[str], first_row: int) -> None:
        for i, digest in enumerate(digests):
            self._rows.setdefault(digest, first_row + i)

    def __getitem__(self, digest: str) -> np.ndarray:
        return self._vectors.row(self._rows[digest])

    def __contains__(self, digest: object) -> bool:
        return digest in self._rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def text_key(text: str) -> bytes:
    """A unit text's key: 16 bytes of its BLAKE2 digest (texts themselves are not kept)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class RunUnits(Mapping[str, np.ndarray]):
    """Unit vectors by text: the previous build's and those written so far in this run. Used as
    ``UnitStore.from_chunks``'s ``previous`` (it asks ``vector_by_text()``)."""

    def __init__(self, previous: tuple[dict[bytes, int], np.ndarray] | None = None) -> None:
        self._previous_rows, self._previous = previous or ({}, np.zeros((0, 0), np.float16))
        self._rows: dict[bytes, int] = {}
        self._written: NpyAppender | None = None

    @classmethod
    def from_build(cls, build_dir: Path | None) -> RunUnits:
        """The unit vectors of a served build (none when it has no unit files)."""
        if build_dir is None or not (build_dir / UNITS_FILE).is_file():
            return cls()
        try:
            vectors = np.load(build_dir / VECTORS_FILE, mmap_mode="r")
            rows: dict[bytes, int] = {}
            count = 0
            with (build_dir / UNITS_FILE).open(encoding="utf-8") as fh:
                for count, line in enumerate(fh, start=1):
                    rows.setdefault(text_key(json.loads(line)["text"]), count - 1)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("unit vectors of %s unreadable (%s); none reused", build_dir.name, exc)
            return cls()
        if len(vectors) != count:
            log.warning("unit store of %s is inconsistent; none reused", build_dir.name)
            return cls()
        return cls((rows, vectors))

    def writing_to(self, vectors: NpyAppender) -> None:
        self._written = vectors

    def record(self, store: UnitStore, first_row: int) -> None:
        for i, unit in enumerate(store.rows):
            self._rows.setdefault(text_key(unit.text), first_row + i)

    def vector_by_text(self) -> Mapping[str, np.ndarray]:
        return self

    def __getitem__(self, text: str) -> np.ndarray:
        key = text_key(text)
        if key in self._previous_rows:
            return np.asarray(self._previous[self._previous_rows[key]])
        if key in self._rows and self._written is not None:
            return self._written.row(self._rows[key])
        raise KeyError(text)

    def __contains__(self, text: object) -> bool:
        if not isinstance(text, str):
            return False
        key = text_key(text)
        return key in self._previous_rows or (key in self._rows and self._written is not None)

    def __iter__(self) -> Iterator[str]:
        raise TypeError("unit texts are not kept: look them up by text")

    def __len__(self) -> int:
        return len(self._previous_rows) + len(self._rows)
