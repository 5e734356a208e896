"""The steps of ``Assistant.ask``: each reads and writes one Context and may stop it.

    check_input -> condense -> retrieve -> threshold -> coverage
        -> generate -> verify_citations -> check_output -> answer_coverage -> settle

A stop sets a status and a canned message (``prompts/messages_core.v1.yaml``); the steps after it
do not run. ``a`` is the served build's services (``assistant.pipeline.Served``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant import guardrails
from assistant.citations import renumber, verify
from assistant.conversation import standalone_query
from assistant.coverage import Coverage, assess, assess_answer
from assistant.generation.base import Answerer, Draft
from assistant.messages_core import core_message
from assistant.retrieval import Retrieved
from assistant.types import Citation, Filters, Turn

if TYPE_CHECKING:
    from assistant.pipeline import Served


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


Step = Callable[[Context, "Served"], None]


# --- steps --------------------------------------------------------------------------------------


def check_input(ctx: Context, a: Served) -> None:
    verdict = guardrails.check_input(ctx.question, a.settings)
    if verdict.status is not None:
        ctx.stop(verdict.status, verdict.message)
        return
    ctx.cleaned = verdict.question
    ctx.notices.extend(verdict.notices)
    ctx.live_case = bool(verdict.notices)


def condense(ctx: Context, a: Served) -> None:
    ctx.query = standalone_query(ctx.cleaned, ctx.history, condenser=a.condenser(ctx.generator))


def retrieve(ctx: Context, a: Served) -> None:
    ctx.retrieved = a.retriever.retrieve(ctx.query, a.settings.retrieval_k, ctx.filters)


def threshold(ctx: Context, a: Served) -> None:
    r = ctx.retrieved
    assert r is not None
    if not r.passages or r.best_dense < a.settings.relevance_threshold:
        ctx.stop("no_evidence", no_evidence_text(ctx, a))


def coverage(ctx: Context, a: Served) -> None:
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


def generate(ctx: Context, a: Served) -> None:
    answerer = a.answerer_for(ctx)
    assert ctx.retrieved is not None
    question = answer_question(ctx, answerer)
    ctx.draft = answerer.answer(question, ctx.retrieved.passages, history=ctx.history)
    ctx.used_generator = ctx.draft.generator


def answer_question(ctx: Context, answerer: Answerer) -> str:
    """A model reads the question with the history; extractive scoring uses the search query."""
    return ctx.cleaned if answerer.name == "llm" else ctx.query


def verify_citations(ctx: Context, a: Served) -> None:
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


def check_output(ctx: Context, a: Served) -> None:
    assert ctx.retrieved is not None
    verdict = guardrails.check_output(ctx.text, ctx.citations, ctx.retrieved.passages)
    text, citations = renumber(verdict.text, verdict.citations)
    if not citations:
        ctx.stop("no_evidence", no_evidence_text(ctx, a))
        return
    ctx.text, ctx.citations = text, citations


def answer_coverage(ctx: Context, a: Served) -> None:
    """The coverage rules that need the answer's quotes (a number or ranking asked for)."""
    assert ctx.retrieved is not None
    quotes = [c.quote for c in ctx.citations]
    reasons = assess_answer(ctx.cleaned, quotes, ctx.retrieved.passages, messages=core_message)
    ctx.coverage = Coverage(ctx.coverage.reasons + reasons)


def settle(ctx: Context, a: Served) -> None:
    ctx.status = "partial" if ctx.coverage.partial else "answered"
    ctx.notices.extend(ctx.coverage.reasons)


BEFORE_GENERATION: tuple[Step, ...] = (check_input, condense, retrieve, threshold, coverage)
AFTER_GENERATION: tuple[Step, ...] = (verify_citations, check_output, answer_coverage, settle)
STEPS: tuple[Step, ...] = (*BEFORE_GENERATION, generate, *AFTER_GENERATION)


def no_evidence_text(ctx: Context, a: Served) -> str:
    r = ctx.retrieved
    nearest = r.nearest if r else ()
    documents = len(a.index.documents)
    if not nearest:
        text = core_message("no_evidence_empty", documents=documents)
    else:
        text = core_message("no_evidence", documents=documents)
    if not ctx.filters.is_empty():
        text += " " + core_message("no_evidence_filtered")
    return text
