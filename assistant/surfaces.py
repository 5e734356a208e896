"""How every surface reads an Answer's shape (CLI text, the chat page, the Markdown export).

Answers stored before the shape fields existed (no ``lead``, ``groups``, ``refusal``) must still
render: those are *legacy* answers, shown from their ``text`` with sources grouped from their
citations. ``Answer.from_dict`` reads them with those fields empty.
"""

from __future__ import annotations

import re

from assistant.types import REFUSAL_STATUSES, Answer, Citation, SourceGroup

# Headings the answerer writes above evidence (folded): not the answer's own words.
HEADINGS = frozenset({"what the sources say:", "related material, not an answer:"})

_SPACE = re.compile(r"\s+")


def is_refusal(answer: Answer) -> bool:
    """A refusal card: no answer was given (the question was declined, or nothing supports it)."""
    return answer.status in REFUSAL_STATUSES or bool(answer.refusal)


def is_structured(answer: Answer) -> bool:
    """The answer carries the lead/groups shape (else it is a legacy answer shown from its text)."""
    return bool(answer.lead or answer.groups)


def own_words(answer: Answer) -> tuple[str, ...]:
    """The paragraphs of ``text`` that are the answer's own words, not evidence: a refusal's
    reason, a partial answer's note on what is missing or thin, the line offering related material.

    Everything quoted (each citation's quote with its ``[n]``), each document line (a group's
    title, year and type) and the "What the sources say:" heading are taken out; the rest is kept
    in order, a paragraph per blank-line-separated block.
    """
    text = answer.text
    for c in answer.citations:
        words = c.quote.split()
        if words:
            quote = r"\s+".join(re.escape(w) for w in words)
            text = re.sub(rf"{quote}\s*\[{c.n}\]", "", text)
    titles = [g.title for g in source_groups(answer) if g.title]
    paragraphs: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = [
            line.strip()
            for line in block.splitlines()
            if line.strip()
            and folded(line) not in HEADINGS
            and not any(line.strip().startswith(t) for t in titles)
        ]
        if lines:
            paragraphs.append(" ".join(lines))
    return tuple(paragraphs)


def notes(answer: Answer) -> tuple[str, ...]:
    """What a structured answer says besides its evidence (what is missing, thin coverage); when
    its text names nothing, the ``missing`` subjects in a sentence of our own."""
    words = own_words(answer)
    if words or not answer.missing:
        return words
    return ("The library does not cover: " + "; ".join(answer.missing) + ".",)


def folded(text: str) -> str:
    """Whitespace-normalised, case-folded text, for "is this quote already shown?" checks."""
    return _SPACE.sub(" ", text or "").strip().casefold()


def citations_by_number(answer: Answer) -> dict[int, Citation]:
    return {c.n: c for c in answer.citations}


def lead_numbers(answer: Answer) -> tuple[int, ...]:
    return tuple(u.n for u in answer.lead)


def source_groups(answer: Answer) -> tuple[SourceGroup, ...]:
    """The answer's groups; for a legacy answer, its citations grouped by document in order.

    A derived group lists every citation of its document (nothing is in a lead) and the printed
    page labels its citations start on, each once.
    """
    if answer.groups:
        return answer.groups
    groups: dict[str, SourceGroup] = {}
    for c in answer.citations:
        group = groups.get(c.doc_id) or SourceGroup(c.doc_id, c.title, c.year, doc_type="")
        label = c.page_start
        pages = group.pages + ((label,) if label and label not in group.pages else ())
        groups[c.doc_id] = SourceGroup(
            group.doc_id, group.title, group.year, group.doc_type, (*group.citations, c.n), pages
        )
    return tuple(groups.values())


def quoted_numbers(answer: Answer, group: SourceGroup) -> list[int]:
    """The citation numbers of a group whose quotes are shown under the document: those not in
    the lead (a structured answer) or not already in the text (a legacy or language-model one)."""
    citations = citations_by_number(answer)
    numbers = [n for n in group.citations if n in citations]
    if is_structured(answer):
        lead = set(lead_numbers(answer))
        return [n for n in numbers if n not in lead]
    shown = folded(answer.text)
    return [n for n in numbers if folded(citations[n].quote) not in shown]
