"""The steps of ``Assistant.ask``: each reads and writes one Context and may stop it.

    check_input -> check_request -> condense -> retrieve -> select_evidence -> coverage
        -> generate -> verify_citations -> check_output -> answer_coverage -> settle

A stop sets a status and a canned message (``prompts/messages_core.v1.yaml``); the steps after it
do not run. ``a`` is the served build's services, seen through the ``Services`` protocol below
(``assistant.served.Served`` in production); this module never imports the pipeline that runs it.

Evidence selection (``assistant.evidence``) decides ``answered``, ``partial`` or ``no_evidence``.
A refusal that can point at related material (a subject absent from the library, nothing close
enough, a declined request) is not a stop: it carries on to ``generate``, which writes the
reason and the related units, so their quotes are verified and checked like any answer's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from assistant.checks import guardrails, requests
from assistant.checks.coverage import Coverage, assess, assess_answer
from assistant.citations import renumber, verify
from assistant.conversation import Condenser, standalone_query
from assistant.evidence.selection import Selection
from assistant.generation.base import Answerer, Draft
from assistant.prompts import core_message
from assistant.retrieval import Retrieved
from assistant.text.question import listed, parts
from assistant.text.spelling import corrected
from assistant.types import (
    ANSWERED,
    NO_EVIDENCE,
    OUT_OF_SCOPE,
    PARTIAL,
    Citation,
    Filters,
    Refusal,
    Status,
    Turn,
    refusal_for,
)

if TYPE_CHECKING:
    from assistant.build.index import Index
    from assistant.evidence.selector import EvidenceSelector
    from assistant.generation.extractive import ExtractiveAnswerer
    from assistant.retrieval import Retriever
    from assistant.settings import Settings

MAX_PARTS = 3  # parts of a compound question searched on their own

# scope.refusal keys -> Answer.refusal codes
REFUSALS: dict[str, Refusal] = {
    "instructions": "tampering",
    "ranking_groups": "request",
    "generalisation": "request",
    "legal_advice": "legal_advice",
    "out_of_scope": "off_purpose",
}


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
    selection: Selection | None = None
    declined: str = (
        ""  # a request to decline (assistant.checks.requests): record | profile | confirm
    )
    refusal: Refusal | None = None
    related: bool = False
    draft: Draft | None = None
    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    status: Status | None = None
    stopped: bool = False
    live_case: bool = False
    used_generator: str = "none"
    notices: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)

    def stop(self, status: Status, text: str, refusal: Refusal | None = None) -> None:
        self.status, self.text, self.stopped = status, text, True
        self.citations = []
        self.related = False
        self.refusal = refusal or self.refusal or (refusal_for(status) if status in _OWN else None)

    @property
    def refusing(self) -> bool:
        """A refusal that still shows related material (set by ``select_evidence``)."""
        return self.refusal is not None and not self.stopped


_OWN: frozenset[Status] = frozenset({"no_evidence", "personal_data", "error"})


class Services(Protocol):
    """What the steps read of the served build: its index and searchers, and its answerers."""

    @property
    def settings(self) -> Settings: ...
    @property
    def index(self) -> Index: ...
    @property
    def retriever(self) -> Retriever: ...
    @property
    def selector(self) -> EvidenceSelector: ...
    @property
    def extractive(self) -> ExtractiveAnswerer: ...
    @property
    def has_chat_model(self) -> bool: ...

    def answerer(self, name: str) -> Answerer: ...

    def condenser(self, generator: str) -> Condenser | None: ...


Step = Callable[[Context, Services], None]


# --- steps --------------------------------------------------------------------------------------


def check_input(ctx: Context, a: Services) -> None:
    verdict = guardrails.check_input(ctx.question, a.settings)
    if verdict.status is not None:
        if REFUSALS.get(verdict.reason) == "request":
            ctx.cleaned, ctx.declined = verdict.question, "confirm"
            return
        refusal = REFUSALS.get(verdict.reason) or refusal_for(verdict.status)
        ctx.stop(verdict.status, verdict.message, refusal)
        return
    ctx.cleaned = verdict.question
    ctx.notices.extend(verdict.notices)
    ctx.live_case = bool(verdict.notices)


def check_request(ctx: Context, a: Services) -> None:
    """Requests to decline still search, so the refusal can offer related learning."""
    ctx.declined = ctx.declined or requests.declined(ctx.cleaned) or ""


def condense(ctx: Context, a: Services) -> None:
    ctx.query = standalone_query(ctx.cleaned, ctx.history, condenser=a.condenser(ctx.generator))


def correct_slips(ctx: Context, a: Services) -> None:
    """Typing slips ("alegation") read as the library word they stand for, so they are
    searched for and never taken for a subject the library lacks."""
    ctx.query = corrected(ctx.query, a.selector.terms.exactly_present)


def retrieve(ctx: Context, a: Services) -> None:
    """One search, and for a compound question one more per part, so each part's evidence is
    among the passages (``Retrieved.merge`` keeps the whole question's ranking first)."""
    k = a.settings.retrieval_k
    ctx.retrieved = a.retriever.retrieve(ctx.query, k, ctx.filters, leading=True)
    for part in parts(ctx.query)[:MAX_PARTS]:
        extra = a.retriever.retrieve(part, max(2, k // 2), ctx.filters)
        ctx.retrieved = ctx.retrieved.merge(extra)


def select_evidence(ctx: Context, a: Services) -> None:
    r = ctx.retrieved
    assert r is not None
    selection = a.selector.select(ctx.query, r.passages, r.vector)
    ctx.selection = selection
    if ctx.declined:
        ctx.status, ctx.refusal = OUT_OF_SCOPE, "request"
    elif selection.status == NO_EVIDENCE:
        ctx.status = NO_EVIDENCE
        absent = selection.subject_absent or bool(selection.missing)
        ctx.refusal = "absent_subject" if absent else "no_evidence"
    if ctx.refusal and not selection.related and not (ctx.declined and selection.lead):
        ctx.stop(ctx.status or NO_EVIDENCE, refusal_text(ctx, a))


def coverage(ctx: Context, a: Services) -> None:
    r = ctx.retrieved
    assert r is not None
    if ctx.refusing:
        return
    ctx.coverage = assess(
        ctx.cleaned,
        r.passages,
        live_case=ctx.live_case,
        max_sentences=a.settings.answer_max_sentences,
        messages=core_message,
    )


def generate(ctx: Context, a: Services) -> None:
    assert ctx.retrieved is not None and ctx.selection is not None
    if ctx.refusing:
        ctx.draft = related_draft(ctx, a)
        ctx.used_generator = ctx.draft.generator
        return
    answerer = choose_answerer(ctx, a)
    question = answer_question(ctx, answerer)
    if answerer.name == "extractive":
        ctx.draft = a.extractive.answer_selection(ctx.selection)
    else:
        ctx.draft = answerer.answer(question, ctx.retrieved.passages, history=ctx.history)
    ctx.used_generator = ctx.draft.generator


def choose_answerer(ctx: Context, a: Services) -> Answerer:
    """The answerer asked for; the extractive one, with a notice, when no model is configured."""
    if ctx.generator == "llm" and not a.has_chat_model:
        ctx.notices.append(core_message("llm_not_configured"))
        ctx.generator = "extractive"
    return a.answerer(ctx.generator)


def related_draft(ctx: Context, a: Services) -> Draft:
    sel = ctx.selection
    assert sel is not None
    related = sel.related or sel.lead
    key = (
        "request_related"
        if ctx.declined
        else ("absent_subject_related" if sel.subject_absent else "no_evidence_related")
    )
    ctx.related = bool(related)
    return a.extractive.related_draft(refusal_text(ctx, a), related, core_message(key))


def answer_question(ctx: Context, answerer: Answerer) -> str:
    """A model reads the question with the history; extractive scoring uses the search query."""
    return ctx.cleaned if answerer.name == "llm" else ctx.query


def verify_citations(ctx: Context, a: Services) -> None:
    assert ctx.draft is not None and ctx.retrieved is not None
    ctx.notices.extend(ctx.draft.notices)
    text, citations = verify(ctx.draft, a.index)
    if not citations and ctx.used_generator != "extractive":
        ctx.notices.append(core_message("llm_unverified"))
        assert ctx.selection is not None
        ctx.draft = a.extractive.answer_selection(ctx.selection)
        ctx.used_generator = ctx.draft.generator
        text, citations = verify(ctx.draft, a.index)
    if not citations:
        ctx.stop((ctx.status or NO_EVIDENCE) if ctx.refusing else NO_EVIDENCE, refusal_text(ctx, a))
        return
    ctx.text, ctx.citations = text, citations


def check_output(ctx: Context, a: Services) -> None:
    assert ctx.retrieved is not None
    verdict = guardrails.check_output(ctx.text, ctx.citations, ctx.retrieved.passages)
    text, citations = renumber(verdict.text, verdict.citations)
    if not citations:
        ctx.stop((ctx.status or NO_EVIDENCE) if ctx.refusing else NO_EVIDENCE, refusal_text(ctx, a))
        return
    ctx.text, ctx.citations = text, citations


def answer_coverage(ctx: Context, a: Services) -> None:
    """A number or ranking asked for but in none of the quotes or passages: partial."""
    assert ctx.retrieved is not None
    if ctx.refusing:
        return
    quotes = [c.quote for c in ctx.citations]
    reasons = assess_answer(ctx.cleaned, quotes, ctx.retrieved.passages, messages=core_message)
    ctx.coverage = Coverage(ctx.coverage.reasons + reasons)


def settle(ctx: Context, a: Services) -> None:
    if ctx.refusing:
        return
    sel = ctx.selection
    partial = ctx.coverage.partial or (sel is not None and sel.status == PARTIAL)
    ctx.status = PARTIAL if partial else ANSWERED
    ctx.notices.extend(ctx.coverage.reasons)
    if sel is None or sel.status != PARTIAL:
        return
    for subject, count in sel.thin:
        plural = "" if count == 1 else "s"
        ctx.notices.append(
            core_message("partial_thin", subject=f"“{subject}”", count=count, plural=plural)
        )
    if not (sel.missing or sel.kind_missing or sel.missing_parts or sel.thin):
        ctx.notices.append(core_message("partial_weak"))


BEFORE_GENERATION: tuple[Step, ...] = (
    check_input,
    check_request,
    condense,
    correct_slips,
    retrieve,
    select_evidence,
    coverage,
)
AFTER_GENERATION: tuple[Step, ...] = (verify_citations, check_output, answer_coverage, settle)
STEPS: tuple[Step, ...] = (*BEFORE_GENERATION, generate, *AFTER_GENERATION)


def refusal_text(ctx: Context, a: Services) -> str:
    """The reason for a refusal, first: a declined request, an absent subject, or no evidence."""
    if ctx.declined:
        return core_message(f"request_{ctx.declined}")
    sel = ctx.selection
    documents = len(a.index.documents)
    if sel is not None and sel.status == NO_EVIDENCE and sel.missing:
        return core_message("absent_subject", missing=listed(sel.missing), documents=documents)
    if sel is not None and sel.related:
        return core_message("no_evidence_short", documents=documents)
    return no_evidence_text(ctx, a)


def no_evidence_text(ctx: Context, a: Services) -> str:
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
