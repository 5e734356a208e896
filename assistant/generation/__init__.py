"""Answerers, by name: a small dict registry of factories (``ANSWERERS``, ``make_answerer``).

``extractive`` needs only the embedder and the build's pages; ``llm`` needs a chat model and falls
back to an extractive answerer it is given. ``build_assistant(..., answerers=...)`` takes another
registry (a test's planted answerer, say) in place of ``ANSWERERS``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.errors import ConfigurationError
from assistant.generation.base import Answerer
from assistant.generation.extractive import ExtractiveAnswerer, PageLookup

if TYPE_CHECKING:
    from assistant.embedding.embedder import Embedder
    from assistant.evidence.selector import EvidenceSelector
    from assistant.protocols import ChatModel
    from assistant.settings import Settings


@dataclass(frozen=True)
class AnswererParts:
    """What an answerer may need; each factory takes what it uses."""

    embedder: Embedder
    pages: PageLookup
    settings: Settings
    chat_model: ChatModel | None = None
    selector: EvidenceSelector | None = None


def _extractive(parts: AnswererParts) -> Answerer:
    if parts.selector is None:
        raise ConfigurationError("the extractive answerer needs an evidence selector")
    return ExtractiveAnswerer(parts.selector, parts.pages)


def _llm(parts: AnswererParts) -> Answerer:
    if parts.chat_model is None:
        raise ConfigurationError("the llm answerer needs RLA_LLM_BASE_URL and RLA_LLM_MODEL")
    from assistant.generation.llm import LlmAnswerer

    answerer: Answerer = LlmAnswerer(parts.chat_model, parts.settings, fallback=_extractive(parts))
    return answerer


AnswererFactory = Callable[[AnswererParts], Answerer]

ANSWERERS: Mapping[str, AnswererFactory] = {
    "extractive": _extractive,
    "llm": _llm,
}


def make_answerer(
    name: str, parts: AnswererParts, factories: Mapping[str, AnswererFactory] = ANSWERERS
) -> Answerer:
    try:
        factory = factories[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown answerer {name!r}; choose from {', '.join(factories)}"
        ) from None
    return factory(parts)
