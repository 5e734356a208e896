"""``Served``: one opened build and the services that answer from it.

``Assistant`` (``assistant.pipeline``) holds one and swaps it whole when an ingest swaps the served
build, so a request that started on one build finishes on it. The steps (``assistant.steps``) see
it only through their ``Services`` protocol; this module imports neither of them.
"""

from __future__ import annotations

from collections.abc import Mapping

from assistant.build.index import Index
from assistant.conversation import Condenser
from assistant.embedding.embedder import Embedder, route_of
from assistant.embedding.routes import LEGACY_ROUTE, same_route
from assistant.errors import ConfigurationError
from assistant.evidence.calibration import calibration_for
from assistant.evidence.composition import MAX_UNITS
from assistant.evidence.selector import EvidenceSelector
from assistant.generation import ANSWERERS, AnswererFactory, AnswererParts, make_answerer
from assistant.generation.base import Answerer
from assistant.generation.extractive import ExtractiveAnswerer
from assistant.protocols import ChatModel
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.text.acronyms import expanded, spelled_out
from assistant.text.terms import stems


class Served:
    """The served build's index, retriever, evidence selector and answerers."""

    def __init__(
        self,
        settings: Settings,
        index: Index,
        embedder: Embedder,
        *,
        chat_model: ChatModel | None = None,
        answerers: Mapping[str, AnswererFactory] = ANSWERERS,
    ) -> None:
        check_compatible(index, embedder)
        self.settings = settings
        self.embedder = embedder
        self.chat_model = chat_model
        self.index = index
        self.selector = _selector(settings, index, embedder)
        selector = self.selector
        self.retriever = Retriever(
            index,
            embedder,
            candidates=settings.retrieval_candidates,
            per_document=settings.max_passages_per_document,
            expand=lambda query: expanded(query, selector.glossary, stems),
            spell=lambda query: spelled_out(query, selector.glossary, stems),
        )
        self.extractive = ExtractiveAnswerer(self.selector, index.pages)
        self._factories = answerers
        self._answerers: dict[str, Answerer] = {}

    def warm(self) -> None:
        """Count the library's words and read its acronyms now, not on the first question (a
        second or more at 50k chunks)."""
        _ = self.selector.terms, self.selector.glossary

    @property
    def has_chat_model(self) -> bool:
        return self.chat_model is not None

    def answerer(self, name: str) -> Answerer:
        """The named answerer for this build, made once from the injected factories."""
        if name not in self._answerers:
            parts = AnswererParts(
                self.embedder, self.index.pages, self.settings, self.chat_model, self.selector
            )
            self._answerers[name] = make_answerer(name, parts, self._factories)
        return self._answerers[name]

    def condenser(self, generator: str) -> Condenser | None:
        if generator != "llm" or self.chat_model is None:
            return None
        from assistant.generation.llm import condense

        model, settings = self.chat_model, self.settings
        return lambda question, history: condense(model, question, history, settings)


def _selector(settings: Settings, index: Index, embedder: Embedder) -> EvidenceSelector:
    calibration = calibration_for(
        index.info.embedding_model or "",
        unit_vectors=index.info.unit_vectors,
        no_evidence=settings.evidence_no_evidence,
        answered=settings.evidence_answered,
        relative=settings.evidence_relative,
    )
    return EvidenceSelector(
        index,
        embedder,
        calibration,
        floor=settings.relevance_threshold,
        max_units=min(MAX_UNITS, settings.answer_max_sentences),
    )


def check_compatible(index: Index, embedder: Embedder) -> None:
    """A query must be embedded by the model that embedded the build."""
    info = index.info
    if info.embedding_model and info.embedding_model != embedder.name:
        raise ConfigurationError(
            f"build {info.build_id} was embedded with {info.embedding_model!r}, but the "
            f"configured embedder is {embedder.name!r}: re-run `rla ingest`"
        )
    route = route_of(embedder)
    if not same_route(info.embedding_route, route):
        raise ConfigurationError(
            f"build {info.build_id} was embedded on route {info.embedding_route or LEGACY_ROUTE}, "
            f"but the query embedder runs {route}: queries must use the build's route"
        )
    if info.dimensions and info.dimensions != embedder.dimensions:
        raise ConfigurationError(
            f"build {info.build_id} has {info.dimensions}-dimensional vectors; the embedder "
            f"gives {embedder.dimensions}"
        )
