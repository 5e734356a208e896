"""ask(): the answer as a list of small steps over one context (``assistant.steps``).

``build_assistant`` is the composition root; ``Assistant`` runs the steps against a ``Served``
snapshot of the build (``assistant.served``: index, retriever, answerers), swapped whole when an
ingest swaps the served build, so one request never mixes two builds. ``Assistant.ask`` never raises: an
unexpected exception becomes ``status="error"`` with a canned message, and only the exception's
type and location are logged, never the question.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

from assistant.answer_shape import lead_units, source_groups
from assistant.build.index import Index, matches
from assistant.build.lifecycle import open_served, served_build_id
from assistant.checks import guardrails
from assistant.embedding.embedder import Embedder, route_of
from assistant.embedding.routes import LEGACY_ROUTE, same_route
from assistant.errors import BuildError
from assistant.evidence.selection import DocumentSupport, Selection
from assistant.generation import ANSWERERS, AnswererFactory
from assistant.generation.base import Draft
from assistant.prompts import core_message
from assistant.protocols import ChatModel
from assistant.retrieval import Retrieved, Retriever
from assistant.served import Served
from assistant.settings import Settings
from assistant.steps import (
    AFTER_GENERATION,
    BEFORE_GENERATION,
    STEPS,
    Context,
    Step,
    answer_question,
    choose_answerer,
    related_draft,
)
from assistant.types import (
    ANSWERED,
    ERROR,
    NO_EVIDENCE,
    PARTIAL,
    Answer,
    Filters,
    Passage,
    Refusal,
    Searched,
    Status,
    Turn,
    refusal_for,
)

log = logging.getLogger(__name__)

SHAPED: tuple[Status, ...] = (ANSWERED, PARTIAL, NO_EVIDENCE)
PER_DOCUMENT_K = 4  # passages of one document scored for its support (comparison, silence map)


# --- the assistant ------------------------------------------------------------------------------


class Assistant:
    """Answers questions from the served build; reopens the build when an ingest swaps it."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder,
        index: Index,
        chat_model: ChatModel | None = None,
        embedders: Callable[[Index], Embedder] | None = None,
        answerers: Mapping[str, AnswererFactory] = ANSWERERS,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.chat_model = chat_model
        self._embedders = embedders  # a query embedder for a build on another route
        self._answerers = answerers  # answerer factories by name, for every build served
        self._lock = threading.Lock()
        self._retired: Index | None = None  # the build served before the last swap
        self._served = self._serve(index)

    @property
    def index(self) -> Index:
        return self._served.index

    @property
    def retriever(self) -> Retriever:
        return self._served.retriever

    # -- public API ------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, Any]] = (),
        filters: Filters | Mapping[str, Any] | None = None,
        *,
        generator: str | None = None,
    ) -> Answer:
        served = self._served
        ctx = self._context(question, history, filters, generator)
        self._run(ctx, STEPS, served)
        return self._finish(ctx, served)

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, Any]] = (),
        filters: Filters | Mapping[str, Any] | None = None,
        *,
        generator: str | None = None,
    ) -> Iterator[tuple[str, object]]:
        """("token", str) fragments as the answer is produced, then exactly one ("answer", Answer)."""
        served = self._served
        ctx = self._context(question, history, filters, generator)
        self._run(ctx, BEFORE_GENERATION, served)
        if not ctx.stopped:
            try:
                yield from self._stream_generation(ctx, served)
            except Exception as exc:
                self._fail(ctx, exc)
        if not ctx.stopped:
            self._run(ctx, AFTER_GENERATION, served)
        yield ("answer", self._finish(ctx, served))

    def search(
        self, query: str, filters: Filters | Mapping[str, Any] | None = None, k: int = 10
    ) -> list[Passage]:
        return self.retriever.search(query, k, as_filters(filters))

    def evidence(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> Selection:
        """Evidence selection for ``question`` over what an answer would search (ADR 12)."""
        served = self._served
        r = served.retriever.retrieve(
            question, self.settings.retrieval_k, as_filters(filters), leading=True
        )
        return served.selector.select(question, r.passages, r.vector)

    def document_support(
        self, question: str, filters: Filters | Mapping[str, Any] | None = None
    ) -> list[DocumentSupport]:
        """Exactly one row per document the filters admit, silent ones included, each scored
        on that document's best passages by the same selector answering uses."""
        served = self._served
        wanted = as_filters(filters)
        index = served.index
        docs = {d.doc_id: d for d in index.documents}
        admitted = {c.doc_id for c in index.chunks if matches(wanted, c, docs[c.doc_id])}
        by_document: dict[str, Sequence[Passage]] = {}
        vector = None
        for document in index.documents:
            if document.doc_id in admitted:
                scoped = replace(wanted, doc_ids=(document.doc_id,))
                r = served.retriever.retrieve(question, PER_DOCUMENT_K, scoped)
                by_document[document.doc_id] = r.passages
                vector = r.vector
        return served.selector.document_support(question, by_document, vector)

    def warm(self) -> None:
        """Prepare what answering reads of the whole library (its words and acronyms)."""
        self._served.warm()

    def reload_if_swapped(self) -> bool:
        """Reopen the served build if an ingest swapped it since; cheap enough for every request."""
        try:
            served = served_build_id(self.settings)
        except BuildError:
            return False
        if served is None or served == self.index.build_id:
            return False
        with self._lock:
            if served != self.index.build_id:
                index = Index(self.settings, served)
                route = index.info.embedding_route or LEGACY_ROUTE
                if self._embedders and not same_route(route, route_of(self.embedder)):
                    self.embedder = self._embedders(index)
                if self._retired is not None:
                    self._retired.close()  # two swaps ago: no request can still be using it
                self._retired = self.index
                self._served = self._serve(index)
                threading.Thread(target=self._served.warm, name="rla-warm", daemon=True).start()
        return True

    def _serve(self, index: Index) -> Served:
        return Served(
            self.settings,
            index,
            self.embedder,
            chat_model=self.chat_model,
            answerers=self._answerers,
        )

    # -- running ---------------------------------------------------------------------------------

    def _context(self, *args: Any) -> Context:
        try:
            return self._make_context(*args)
        except Exception as exc:  # malformed history and the like: still an Answer
            ctx = Context("", (), Filters(), "extractive")
            self._fail(ctx, exc)
            return ctx

    def _make_context(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, Any]],
        filters: Filters | Mapping[str, Any] | None,
        generator: str | None,
    ) -> Context:
        given = tuple(_clean_turn(t) for t in history or ())
        turns = given[-self.settings.history_turns :] if self.settings.history_turns else ()
        ctx = Context(
            question=question or "",
            history=turns,
            filters=Filters(),
            generator=generator or self.settings.generator,
        )
        try:
            ctx.filters = as_filters(filters)
        except (ValueError, TypeError):
            ctx.stop(ERROR, core_message("bad_filters"))
        refused = guardrails.check_history(given)  # the client may send any history it likes
        if refused.status is not None:
            ctx.stop(refused.status, refused.message)
        return ctx

    def _run(self, ctx: Context, steps: Sequence[Step], served: Served) -> None:
        for step in steps:
            if ctx.stopped:
                return
            started = time.perf_counter()
            try:
                step(ctx, served)
            except Exception as exc:
                self._fail(ctx, exc)
            finally:
                ctx.metrics[f"{step.__name__}_ms"] = _ms(started)

    def _stream_generation(self, ctx: Context, served: Served) -> Iterator[tuple[str, object]]:
        started = time.perf_counter()
        assert ctx.retrieved is not None and ctx.selection is not None
        if ctx.refusing:
            ctx.draft = related_draft(ctx, served)
            ctx.used_generator = ctx.draft.generator
            yield ("token", ctx.draft.text)
            return
        answerer = choose_answerer(ctx, served)
        question = answer_question(ctx, answerer)
        if answerer.name == "extractive":
            items = served.extractive.stream(question, (), selection=ctx.selection)
        else:
            items = answerer.stream(question, ctx.retrieved.passages, history=ctx.history)
        for item in items:
            if isinstance(item, Draft):
                ctx.draft, ctx.used_generator = item, item.generator
            else:
                yield ("token", item)
        if ctx.draft is None:
            raise RuntimeError("answerer stream ended without a draft")
        ctx.metrics["generate_ms"] = _ms(started)

    @staticmethod
    def _fail(ctx: Context, exc: Exception) -> None:
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else "?"
        log.error("ask failed: %s at %s", type(exc).__name__, where)
        ctx.stop(ERROR, core_message("error"))

    def _finish(self, ctx: Context, served: Served) -> Answer:
        r = ctx.retrieved
        index = served.index
        notices = list(ctx.notices)
        if index.info.is_demo and ctx.status in SHAPED:
            notices.append(core_message("demo_library"))
        searched = Searched(
            query=ctx.query,
            filters=ctx.filters,
            documents_in_library=len(index.documents),
            documents_matched=_titles(r) if r else (),
            nearest=r.nearest if r and ctx.status == NO_EVIDENCE else (),
        )
        sel = ctx.selection
        citations = tuple(ctx.citations)
        lead = () if ctx.related else lead_units(sel, citations)
        docs = {d.doc_id: d for d in index.documents}
        order = [d.doc_id for d, _ in sel.by_document] if sel is not None else []
        metrics = dict(ctx.metrics)
        metrics["total_ms"] = round(sum(v for k, v in metrics.items() if k.endswith("_ms")), 2)
        metrics["passages"] = float(len(r.passages)) if r else 0.0
        metrics["citations"] = float(len(ctx.citations))
        if r:
            metrics["best_dense"] = round(r.best_dense, 4)
        return Answer(
            status=ctx.status or ERROR,
            text=ctx.text,
            citations=tuple(ctx.citations),
            passages=r.passages if r else (),
            search_query=ctx.query,
            generator=ctx.used_generator if ctx.citations else "none",
            searched=searched,
            notices=tuple(dict.fromkeys(notices)),
            metrics=metrics,
            build_id=index.build_id,
            lead=lead,
            groups=source_groups(citations, docs, lead, order),
            missing=(sel.missing + sel.missing_parts)
            if sel is not None and ctx.status in SHAPED
            else (),
            related=ctx.related and bool(citations),
            refusal=None if ctx.status in (ANSWERED, PARTIAL) else ctx.refusal or _implied(ctx),
        )


def _implied(ctx: Context) -> Refusal | None:
    return refusal_for(ctx.status or ERROR)


def _clean_turn(turn: Turn | Mapping[str, Any]) -> Turn:
    """An earlier turn without hidden characters, before it reaches retrieval, a model or a log."""
    t = turn if isinstance(turn, Turn) else Turn.from_dict(turn)
    return Turn(
        question=guardrails.strip_hidden(t.question), answer=guardrails.strip_hidden(t.answer)
    )


def _titles(r: Retrieved) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.document.title for p in r.passages))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)


def as_filters(filters: Filters | Mapping[str, Any] | None) -> Filters:
    if isinstance(filters, Filters):
        return filters
    return Filters.from_dict(filters)


def _build_embedder(settings: Settings, index: Index) -> Embedder:
    from assistant.embedding.embedder import build_embedder

    route = index.info.embedding_route or LEGACY_ROUTE
    return build_embedder(settings, route=route, strict=True)


def build_assistant(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    index: Index | None = None,
    chat_model: ChatModel | None = None,
    answerers: Mapping[str, AnswererFactory] = ANSWERERS,
) -> Assistant:
    """The composition root for answering: real services unless some are given. The query
    embedder runs the route the served build was embedded with; ``answerers`` names the answerer
    factories (``generation.ANSWERERS`` unless a caller brings its own)."""
    if index is None:
        index = open_served(settings)
    embedders = None
    if embedder is None:
        embedders = partial(_build_embedder, settings)
        embedder = embedders(index)
    if chat_model is None and settings.llm_configured:
        from assistant.generation.llm import build_chat_model

        chat_model = build_chat_model(settings)
    return Assistant(
        settings,
        embedder=embedder,
        index=index,
        chat_model=chat_model,
        embedders=embedders,
        answerers=answerers,
    )
