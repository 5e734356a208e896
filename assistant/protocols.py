"""Small protocols at the core's seams: what callers use of the Assistant, and what the core uses
of a chat model. Each names only the methods used across the seam, so a stand-in (a test's fake,
another chat client) fits without inheriting anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage, BaseMessageChunk

    from assistant.build.index import Index
    from assistant.types import Answer, Filters, Passage, Turn

# A chat prompt as ``[(role, text), ...]`` (``Prompt.render``), which LangChain chat models take.
ChatMessages = Sequence[tuple[str, str]]


class ChatModel(Protocol):
    """What the llm answerer, the follow-up condenser and the eval judge use of a LangChain chat
    model (``build_chat_model`` makes a ``ChatOpenAI``)."""

    def invoke(self, input: ChatMessages, /) -> BaseMessage: ...

    def stream(self, input: ChatMessages, /) -> Iterator[BaseMessageChunk]: ...


class AssistantLike(Protocol):
    """What the web app and the eval runner use of ``assistant.pipeline.Assistant``."""

    @property
    def index(self) -> Index: ...

    def ask(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, Any]] = (),
        filters: Filters | Mapping[str, Any] | None = None,
        *,
        generator: str | None = None,
    ) -> Answer: ...

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn | Mapping[str, Any]] = (),
        filters: Filters | Mapping[str, Any] | None = None,
        *,
        generator: str | None = None,
    ) -> Iterator[tuple[str, object]]: ...

    def search(
        self, query: str, filters: Filters | Mapping[str, Any] | None = None, k: int = 10
    ) -> list[Passage]: ...

    def reload_if_swapped(self) -> bool: ...

    def warm(self) -> None: ...
