"""The extractive answerer (default, offline): the selected units of evidence, verbatim.

Evidence selection (``assistant.evidence``) has already chosen the lead unit and the few further
units worth showing, grouped by document. This module only writes them out:

1. the lead unit(s), each followed by its ``[n]``;
2. for a partial answer, one sentence naming what the library does not mention (or the kind of
   answer it does not give);
3. "What the sources say:", then per document a line with its title, year and type, and its
   quotes, each followed by its ``[n]``.

For a refusal that offers related material (``related_draft``), the refusal's reason comes first,
then the related units under a line saying they are related, not an answer. The only words not
taken from a source are these fixed, canned lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from assistant.citations import cite
from assistant.evidence.long_lists import ITEM
from assistant.evidence.selection import ScoredUnit, Selection
from assistant.evidence.selector import EvidenceSelector
from assistant.generation.base import Draft, StreamingAnswerer
from assistant.prompts import core_message
from assistant.text.question import listed
from assistant.types import Citation, Document, Page, Passage, Turn

PageLookup = Callable[[str], Sequence[Page]]
Messages = Callable[..., str]


def document_line(document: Document) -> str:
    kind = document.doc_type.replace("_", " ") if document.doc_type != "other" else ""
    year = document.year if document.year and str(document.year) not in document.title else None
    about = ", ".join(str(x) for x in (year, kind) if x)
    return f"{document.title} ({about}):" if about else f"{document.title}:"


def partial_sentence(selection: Selection, messages: Messages = core_message) -> str:
    if selection.missing:
        return messages("partial_missing", missing=listed(selection.missing))
    if selection.missing_parts:
        return messages("partial_parts", parts=listed(selection.missing_parts))
    if selection.thin:
        subject, count = selection.thin[0]
        plural = "" if count == 1 else "s"
        return messages("partial_thin", subject=f"“{subject}”", count=count, plural=plural)
    if selection.kind_missing:
        return messages(f"partial_kind_{selection.kind}", who="the person named")
    return ""


class ExtractiveAnswerer(StreamingAnswerer):
    name = "extractive"

    def __init__(
        self, selector: EvidenceSelector, pages: PageLookup, messages: Messages = core_message
    ) -> None:
        self.selector = selector
        self.pages = pages
        self.messages = messages

    def stream(
        self,
        question: str,
        passages: Sequence[Passage],
        *,
        history: Sequence[Turn] = (),
        selection: Selection | None = None,
    ) -> Iterator[str | Draft]:
        if selection is None:
            selection = self.selector.select(question, passages)
        writer = _Writer(self.pages)
        if not selection.lead:
            yield Draft(text="", citations=(), generator=self.name)
            return
        for i, unit in enumerate(selection.lead):
            # a numbered item ("3. You do not need consent ...") starts a line of its own
            yield writer.quote(
                unit, sep="" if not i else "\n" if ITEM.match(unit.unit.text) else " "
            )
        if selection.status == "partial" and (note := partial_sentence(selection, self.messages)):
            yield writer.add("\n\n" + note)
        rest = [(d, [u for u in us if u not in selection.lead]) for d, us in selection.by_document]
        rest = [(d, us) for d, us in rest if us]
        if rest:
            yield writer.add("\n\n" + self.messages("sources_heading"))
        for document, group in rest:
            yield writer.add("\n\n" + document_line(document))
            for unit in group:
                yield writer.quote(unit, sep="\n")
        yield writer.draft(self.name)

    def answer_selection(self, selection: Selection) -> Draft:
        *_, draft = self.stream(selection.question, (), selection=selection)
        assert isinstance(draft, Draft)
        return draft

    def related_draft(self, reason: str, related: Sequence[ScoredUnit], heading: str) -> Draft:
        """A refusal's reason, then related units labelled as related material, not an answer."""
        writer = _Writer(self.pages)
        writer.add(reason)
        if related:
            writer.add("\n\n" + heading)
            for unit in related:
                writer.add("\n\n" + document_line(unit.document))
                writer.quote(unit, sep="\n")
        return writer.draft(self.name)


class _Writer:
    def __init__(self, pages: PageLookup) -> None:
        self.pages = pages
        self.parts: list[str] = []
        self.citations: list[Citation] = []

    def add(self, text: str) -> str:
        self.parts.append(text)
        return text

    def quote(self, unit: ScoredUnit, *, sep: str) -> str:
        n = len(self.citations) + 1
        passage = unit.passage
        self.citations.append(cite(n, passage, unit.unit.text, self.pages(passage.chunk.doc_id)))
        return self.add(f"{sep}{unit.unit.text} [{n}]")

    def draft(self, generator: str) -> Draft:
        return Draft(
            text="".join(self.parts).strip(), citations=tuple(self.citations), generator=generator
        )
