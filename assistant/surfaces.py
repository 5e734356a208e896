"""How every surface reads an Answer's shape (CLI text, the chat page, the Markdown export).

Works on ``Answer.to_dict()`` mappings, because the web stores answers as JSON and turns stored
before the shape fields existed (no ``lead``, ``groups``, ``refusal``) must still render: those are
*legacy* answers, shown from their ``text`` with sources grouped from their citations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Statuses that are refusals whatever ``refusal`` says (older answers have no ``refusal`` field).
REFUSAL_STATUSES = frozenset({"no_evidence", "out_of_scope", "personal_data", "error"})
# Headings the answerer writes above evidence (folded): not the answer's own words.
HEADINGS = frozenset({"what the sources say:", "related material, not an answer:"})

_SPACE = re.compile(r"\s+")


def is_refusal(answer: Mapping[str, Any]) -> bool:
    """A refusal card: no answer was given (the question was declined, or nothing supports it)."""
    return str(answer.get("status", "error")) in REFUSAL_STATUSES or bool(answer.get("refusal"))


def is_structured(answer: Mapping[str, Any]) -> bool:
    """The answer carries the lead/groups shape (else it is a legacy answer shown from its text)."""
    return bool(answer.get("lead") or answer.get("groups"))


def own_words(answer: Mapping[str, Any]) -> tuple[str, ...]:
    """The paragraphs of ``text`` that are the answer's own words, not evidence: a refusal's
    reason, a partial answer's note on what is missing or thin, the line offering related material.

    Everything quoted (each citation's quote with its ``[n]``), each document line (a group's
    title, year and type) and the "What the sources say:" heading are taken out; the rest is kept
    in order, a paragraph per blank-line-separated block.
    """
    text = str(answer.get("text", ""))
    for c in answer.get("citations") or ():
        words = str(c.get("quote", "")).split()
        if words:
            quote = r"\s+".join(re.escape(w) for w in words)
            text = re.sub(rf"{quote}\s*\[{int(c.get('n', 0))}\]", "", text)
    titles = [str(g.get("title", "")) for g in source_groups(answer) if g.get("title")]
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


def notes(answer: Mapping[str, Any]) -> tuple[str, ...]:
    """What a structured answer says besides its evidence (what is missing, thin coverage); when
    its text names nothing, the ``missing`` subjects in a sentence of our own."""
    words = own_words(answer)
    missing = [str(m) for m in answer.get("missing") or ()]
    if words or not missing:
        return words
    return ("The library does not cover: " + "; ".join(missing) + ".",)


def folded(text: str) -> str:
    """Whitespace-normalised, case-folded text, for "is this quote already shown?" checks."""
    return _SPACE.sub(" ", text or "").strip().casefold()


def citations_by_number(answer: Mapping[str, Any]) -> dict[int, Mapping[str, Any]]:
    return {int(c.get("n", 0)): c for c in answer.get("citations") or ()}


def lead_numbers(answer: Mapping[str, Any]) -> tuple[int, ...]:
    return tuple(int(u.get("n", 0)) for u in answer.get("lead") or ())


def source_groups(answer: Mapping[str, Any]) -> tuple[Mapping[str, Any], ...]:
    """The answer's groups; for a legacy answer, its citations grouped by document in order.

    A derived group lists every citation of its document (nothing is in a lead) and the printed
    page labels its citations start on, each once.
    """
    if answer.get("groups"):
        return tuple(answer["groups"])
    groups: dict[str, dict[str, Any]] = {}
    for c in answer.get("citations") or ():
        doc_id = str(c.get("doc_id", ""))
        group = groups.setdefault(
            doc_id,
            {
                "doc_id": doc_id,
                "title": c.get("title", ""),
                "year": c.get("year"),
                "doc_type": "",
                "citations": [],
                "pages": [],
            },
        )
        group["citations"].append(int(c.get("n", 0)))
        label = str(c.get("page_start") or "")
        if label and label not in group["pages"]:
            group["pages"].append(label)
    return tuple(groups.values())


def quoted_numbers(answer: Mapping[str, Any], group: Mapping[str, Any]) -> list[int]:
    """The citation numbers of a group whose quotes are shown under the document: those not in
    the lead (a structured answer) or not already in the text (a legacy or language-model one)."""
    citations = citations_by_number(answer)
    numbers = [int(n) for n in group.get("citations") or () if int(n) in citations]
    if is_structured(answer):
        lead = set(lead_numbers(answer))
        return [n for n in numbers if n not in lead]
    shown = folded(str(answer.get("text", "")))
    return [n for n in numbers if folded(str(citations[n].get("quote", ""))) not in shown]
