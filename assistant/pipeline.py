"""ask(): the answer as a list of small steps over one context.

    check_input -> standalone_query -> retrieve -> threshold -> coverage
        -> generate -> verify_citations -> check_output -> settle

Each step reads and writes one ``Context`` and may stop it with a status and a canned message
(``prompts/messages_core.v1.yaml``). ``Assistant.ask`` never raises: an unexpected exception
becomes ``status="error"`` with a canned message, and only the exception's type and location are
logged, never the question.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant import guardrails
from assistant.citations import renumber, verify
from assistant.conversation import Condenser, standalone_query
from assistant.coverage import Coverage, assess
from assistant.embeddings import Embedder
from assistant.errors import BuildError, ConfigurationError
from assistant.generation import AnswererParts, make_answerer
from assistant.generation.base import Answerer, Draft
from assistant.index import Index, open_served, served_build_id
from assistant.messages_core import core_message
from assistant.retrieval import Retrieved, Retriever
from assistant.settings import Settings
from assistant.types import Answer, Citation, Filters, Passage, Searched, Turn

log = logging.getLogger(__name__)


@dataclass
class Context:
    """Everything one question's steps read and write."""

    question: str
    history: tuple[Turn, ...]
    filters: Filters
    generator: str
    cleaned: str = ""
    query: str = ""
    retrieved: Retrieved | None = None
    coverage: Coverage = Coverage(())
    draft: Draft | None = None
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    status: str | None = None
    stopped: bool = False
    live_case: bool = False
    used_generator: str = "none"
    notices: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)

    def stop(self, status: str, text: str) -> None:
        self.status, self.text, self.stopped = status, text, True
        self.citations = []


Step = Callable[[Context, "Assistant"], None]


# --- steps --------------------------------------------------------------------------------------


def check_input(ctx: Context, a: Assistant) -> None:
    verdict = guardrails.check_input(ctx.question, a.settings)
    if verdict.status is not None:
        ctx.stop(verdict.status, verdict.message)
        return
    ctx.cleaned = verdict.question
    ctx.notices.extend(verdict.notices)
    ctx.live_case = bool(verdict.notices)


def condense(ctx: Context, a: Assistant) -> None:
    ctx.query = standalone_query(ctx.cleaned, ctx.history, condenser=a.condenser(ctx.generator))


def retrieve(ctx: Context, a: Assistant) -> None:
    ctx.retrieved = a.retriever.retrieve(ctx.query, a.settings.retrieval_k, ctx.filters)


def threshold(ctx: Context, a: Assistant) -> None:
    r = ctx.retrieved
    assert r is not None
    if not r.passages or r.best_dense < a.settings.relevance_threshold:
        ctx.stop("no_evidence", no_evidence_text(ctx, a))


def coverage(ctx: Context, a: Assistant) -> None:
    r = ctx.retrieved
    assert r is not None
    ctx.coverage = assess(
        ctx.cleaned,
        r.passages,
        r.best_dense,
        threshold=a.settings.relevance_threshold,
        margin=a.settings.partial_margin,
        max_sentences=a.settings.answer_max_sentences,
        live_case=ctx.live_case,
        messages=core_message,
    )


def generate(ctx: Context, a: Assistant) -> None:
    answerer = a.answerer_for(ctx)
    assert ctx.retrieved is not None
    question = answer_question(ctx, answerer)
    ctx.draft = answerer.answer(question, ctx.retrieved.passages, history=ctx.history)
    ctx.used_generator = ctx.draft.generator


def answer_question(ctx: Context, answerer: Answerer) -> str:
    """A model reads the question with the history; extractive scoring uses the search query."""
    return ctx.cleaned if answerer.name == "llm" else ctx.query


def verify_citations(ctx: Context, a: Assistant) -> None:
    assert ctx.draft is not None and ctx.retrieved is not None
    ctx.notices.extend(ctx.draft.notices)
    text, citations = verify(ctx.draft, a.index)
    if not citations and ctx.used_generator != "extractive":
        ctx.notices.append(core_message("llm_unverified"))
        ctx.draft = a.answerer("extractive").answer(ctx.query, ctx.retrieved.passages)
        ctx.used_generator = ctx.draft.generator
        text, citations = verify(ctx.draft, a.index)
    if not citations:
        ctx.stop("no_evidence", no_evidence_text(ctx, a))
        return
    ctx.text, ctx.citations = text, citations


def check_output(ctx: Context, a: Assistant) -> None:
    assert ctx.retrieved is not None
    verdict = guardrails.check_output(ctx.text, ctx.citations, ctx.retrieved.passages)
    text, citations = renumber(verdict.text, verdict.citations)
    if not citations:
        ctx.stop("no_evidence", no_evidence_text(ctx, a))
        return
    ctx.text, ctx.citations = text, citations


def settle(ctx: Context, a: Assistant) -> None:
    ctx.status = "partial" if ctx.coverage.partial else "answered"
    ctx.notices.extend(ctx.coverage.reasons)


BEFORE_GENERATION: tuple[Step, ...] = (check_input, condense, retrieve, threshold, coverage)
AFTER_GENERATION: tuple[Step, ...] = (verify_citations, check_output, settle)
STEPS: tuple[Step, ...] = (*BEFORE_GENERATION, generate, *AFTER_GENERATION)


def no_evidence_text(ctx: Context, a: Assistant) -> str:
    r = ctx.retrieved
    nearest = r.nearest if r else ()
    documents = len(a.index.documents)
    if not nearest:
        text = core_message("no_evidence_empty", documents=documents)
    else:
        text = core_message("no_evidence", documents=documents, nearest="; ".join(nearest))
    if not ctx.filters.is_empty():
        text += " " + core_message("no_evidence_filtered")
    return text


# --- the assistant ------------------------------------------------------------------------------


class Assistant:
    """Answers questions from one served build; reopens the build when an ingest swaps it."""

    def __init__(
        self,
        settings: Settings,
        *,
        embedder: Embedder,
        index: Index,
        chat_model: Any = None,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.chat_model = chat_model
        self._lock = threading.Lock()
        self._use(index)

    def _use(self, index: Index) -> None:
        check_compatible(index, self.embedder)
        self.index = index
        self.retriever = Retriever(
            index,
            self.embedder,
            candidates=self.settings.retrieval_candidates,
            per_document=self.settings.max_passages_per_document,
        )
        self._answerers: dict[str, Answerer] = {}

    # -- public API ------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, Any]] = (),
        filters: Filters | Mapping[str, Any] | None = None,
        *,
        generator: str | None = None,
    ) -> Answer:
        ctx = self._context(question, history, filters, generator)
        self._run(ctx, STEPS)
        return self._finish(ctx)

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, Any]] = (),
        filters: Filters | Mapping[str, Any] | None = None,
        *,
        generator: str | None = None,
    ) -> Iterator[tuple[str, object]]:
        """("token", str) fragments as the answer is produced, then exactly one ("answer", Answer)."""
        ctx = self._context(question, history, filters, generator)
        self._run(ctx, BEFORE_GENERATION)
        if not ctx.stopped:
            try:
                yield from self._stream_generation(ctx)
            except Exception as exc:
                self._fail(ctx, exc)
        if not ctx.stopped:
            self._run(ctx, AFTER_GENERATION)
        yield ("answer", self._finish(ctx))

    def search(
        self, query: str, filters: Filters | Mapping[str, Any] | None = None, k: int = 10
    ) -> list[Passage]:
        return self.retriever.search(query, k, as_filters(filters))

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
                self._use(Index(self.settings, served))
        return True

    # -- parts the steps use ---------------------------------------------------------------------

    def answerer(self, name: str) -> Answerer:
        if name not in self._answerers:
            parts = AnswererParts(self.embedder, self.index.pages, self.settings, self.chat_model)
            self._answerers[name] = make_answerer(name, parts)
        return self._answerers[name]

    def answerer_for(self, ctx: Context) -> Answerer:
        if ctx.generator == "llm" and self.chat_model is None:
            ctx.notices.append(core_message("llm_not_configured"))
            ctx.generator = "extractive"
        return self.answerer(ctx.generator)

    def condenser(self, generator: str) -> Condenser | None:
        if generator != "llm" or self.chat_model is None:
            return None
        from assistant.generation.llm import condense

        model, settings = self.chat_model, self.settings
        return lambda question, history: condense(model, question, history, settings)

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
        turns = tuple(t if isinstance(t, Turn) else Turn.from_dict(t) for t in history or ())
        turns = turns[-self.settings.history_turns :] if self.settings.history_turns else ()
        ctx = Context(
            question=question or "",
            history=turns,
            filters=Filters(),
            generator=generator or self.settings.generator,
        )
        try:
            ctx.filters = as_filters(filters)
        except (ValueError, TypeError):
            ctx.stop("error", core_message("bad_filters"))
        return ctx

    def _run(self, ctx: Context, steps: Sequence[Step]) -> None:
        for step in steps:
            if ctx.stopped:
                return
            started = time.perf_counter()
            try:
                step(ctx, self)
            except Exception as exc:
                self._fail(ctx, exc)
            finally:
                ctx.metrics[f"{step.__name__}_ms"] = _ms(started)

    def _stream_generation(self, ctx: Context) -> Iterator[tuple[str, object]]:
        started = time.perf_counter()
        answerer = self.answerer_for(ctx)
        assert ctx.retrieved is not None
        question = answer_question(ctx, answerer)
        for item in answerer.stream(question, ctx.retrieved.passages, history=ctx.history):
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
        ctx.stop("error", core_message("error"))

    def _finish(self, ctx: Context) -> Answer:
        r = ctx.retrieved
        notices = list(ctx.notices)
        if self.index.info.is_demo and ctx.status in ("answered", "partial", "no_evidence"):
            notices.append(core_message("demo_library"))
        searched = Searched(
            query=ctx.query,
            filters=ctx.filters,
            documents_in_library=len(self.index.documents),
            documents_matched=_titles(r) if r else (),
            nearest=r.nearest if r and ctx.status == "no_evidence" else (),
        )
        metrics = dict(ctx.metrics)
        metrics["total_ms"] = round(sum(v for k, v in metrics.items() if k.endswith("_ms")), 2)
        metrics["passages"] = float(len(r.passages)) if r else 0.0
        metrics["citations"] = float(len(ctx.citations))
        if r:
            metrics["best_dense"] = round(r.best_dense, 4)
        return Answer(
            status=ctx.status or "error",
            text=ctx.text,
            citations=tuple(ctx.citations),
            passages=r.passages if r else (),
            search_query=ctx.query,
            generator=ctx.used_generator if ctx.citations else "none",
            searched=searched,
            notices=tuple(dict.fromkeys(notices)),
            metrics=metrics,
            build_id=self.index.build_id,
        )


def _titles(r: Retrieved) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.document.title for p in r.passages))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)


def as_filters(filters: Filters | Mapping[str, Any] | None) -> Filters:
    if isinstance(filters, Filters):
        return filters
    return Filters.from_dict(filters)


def check_compatible(index: Index, embedder: Embedder) -> None:
    """A query must be embedded by the model that embedded the build."""
    info = index.info
    if info.embedding_model and info.embedding_model != embedder.name:
        raise ConfigurationError(
            f"build {info.build_id} was embedded with {info.embedding_model!r}, but the "
            f"configured embedder is {embedder.name!r}: re-run `rla ingest`"
        )
    if info.dimensions and info.dimensions != embedder.dimensions:
        raise ConfigurationError(
            f"build {info.build_id} has {info.dimensions}-dimensional vectors; the embedder "
            f"gives {embedder.dimensions}"
        )


def build_assistant(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    index: Index | None = None,
    chat_model: Any = None,
) -> Assistant:
    """The composition root for answering: real services unless some are given."""
    if embedder is None:
        from assistant.embeddings import build_embedder

        embedder = build_embedder(settings)
    if index is None:
        index = open_served(settings)
    if chat_model is None and settings.llm_configured:
        from assistant.generation.llm import build_chat_model

        chat_model = build_chat_model(settings)
    return Assistant(settings, embedder=embedder, index=index, chat_model=chat_model)
