"""The kind of answer a question asks for, and whether a unit holds it: a date, a number, a
person or body, words attributed to someone, a condition, a list."""

from __future__ import annotations

import re

from assistant.text.question import Question
from assistant.text.terms import stems
from assistant.text.units import Unit, stated_count

_MONTHS = "january february march april may june july august september october november december"
# a month is a date only when capitalised: "may" and "march" are also a verb
_DATE = re.compile(
    r"\b(?:1[89]\d\d|20\d\d)\b|\b(?:" + "|".join(m.title() for m in _MONTHS.split()) + r")\b"
)
_MONTH = "(?:" + "|".join(m.title() for m in _MONTHS.split()) + ")"
# numbers that count nothing: dates ("31 October 2015", "in 2019") and references to a part of a
# text or a law ("section 47", "Article 6", "paragraph 12")
_NOT_A_QUANTITY = re.compile(
    r"\b\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTH + r"(?:\s+\d{4})?\b|\b" + _MONTH + r"\s+\d{4}\b|"
    r"\b(?:1[89]\d\d|20\d\d)(?:\s?[–-]\s?\d\d(?:\d\d)?\b)?|\b(?:sections?|articles?|paragraphs?|paras?|pages?|parts?|annex|"
    r"schedule|chapter|regulation|rule|step|s\.)\s+\d+[A-Za-z]?(?:\(\d+\))*",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
    r"thirty|forty|fifty|hundred|thousand|half|third|quarter|dozen)\b",
    re.IGNORECASE,
)
_AGENT = re.compile(
    r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z'’-]+)+\b|\b(?:Panel|Council|Department|Ofsted|NSPCC|Inspectorate|"
    r"Commissioner|Board|Partnership|Police|Service|Secretary|Minister|Committee|Agency)\b"
)
_SAYING = re.compile(
    r"\b(?:said|says|say|stated|states|argued|argues|wrote|writes|described|describes|called|calls|"
    r"told|warned|warns|explained|explains|noted|notes|found|finds|concluded|concludes|recommended|"
    r"recommends)\b|[\"“”]",
    re.IGNORECASE,
)


def kind_matches(question: Question, unit: Unit) -> bool:
    text = unit.text
    kind = question.kind
    if kind == "date":
        return bool(_DATE.search(text))
    if kind == "number":
        return bool(_NUMBER.search(_NOT_A_QUANTITY.sub(" ", text)))
    if kind == "agent":  # a person or body the question does not itself name
        asked = set(stems(question.text))
        return any(not set(stems(m.group())) <= asked for m in _AGENT.finditer(text, 1))
    if kind == "attribution":
        who = set(stems(question.attributed_to))
        return bool(who & set(stems(text))) and bool(_SAYING.search(text))
    if kind == "condition":
        return bool(_CONDITION.search(text))
    if kind == "list":
        if unit.kind != "list":
            return _lists_inline(unit.text, question.count)
        items = unit.text.count("\n")
        return question.count is None or items == question.count
    return False


def _lists_inline(text: str, count: int | None) -> bool:
    """A sentence that lists after a colon ("Six practice themes: a; b; ... and f.", "Three
    themes were chosen: a, b and c."): as many items as asked for, or the count stated."""
    head, colon, tail = text.partition(":")
    if not colon or not tail.strip():
        return False
    splitter = _SEMICOLONS if ";" in tail else _COMMAS
    items = [p for p in splitter.split(tail.strip().rstrip(".")) if p.strip()]
    if count is None:
        return len(items) >= INLINE_ITEMS
    return len(items) == count or stated_count(head) == count


_CONDITION = re.compile(
    r"\b(?:if|unless|provided(?: that)?|as long as|only when|only where|where necessary|"
    r"conditions?|circumstances)\b",
    re.IGNORECASE,
)
_SEMICOLONS = re.compile(r";\s*(?:and\s+)?")
_COMMAS = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
INLINE_ITEMS = 3  # a sentence listing this many after a colon is a list


def label_match(question: Question, unit: Unit) -> bool:
    """A labelled line whose label names what the question asks about ("Period: ...")."""
    if unit.kind != "labelled":
        return False
    label = unit.text.split(":", 1)[0]
    return bool(set(stems(label)) & set(question.terms))
