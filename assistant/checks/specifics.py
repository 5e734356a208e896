"""The ``specific`` coverage rule: a question asking for a number or a ranking gets one.

Retrieval finds on-topic passages for "How many Black pupils were excluded in 2024?" even when no
passage gives that number; the extractive answer then quotes loosely related sentences. This rule
(used by ``assistant.checks.coverage``) looks for a sentence that *could* carry what such a question
needs. It is lexical and transparent:

* **number** questions ("how many", "how much", "what percentage/proportion/number of", "what
  fine/penalty/amount", "how long/quickly/soon/often/old"): a sentence with a number (digits,
  number words; years and numbers already in the question do not count);
* **ranking** questions ("which/what ... most/least/largest/highest/most common..."): a sentence
  with superlative or comparative language ("most", "more likely", "over-represented"...);

and, in that same sentence, the question's **focus**: every word of the thing counted or ranked
(the words right after "how many", "which", "the most common"...; generic nouns such as "type"
and "group" left out), plus at least one of the question's other content words when it has any.
A question with no counted thing ("How quickly must ... notify ...?") needs at least half of the
IDF weight of its content words instead. Words are compared by ``assistant.keyword.tokenize``
stems cut to five letters (so "analyse"/"analysed" and "child"/"children" meet).

Only the clause holding the question word is read ("How many X, and what kinds of Y?" reads the
first clause), and named sources are left out of the focus ("according to <title>", quoted titles).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from assistant.keyword import STOPWORDS, tokenize

NUMBER_KIND, RANKING_KIND = "number", "ranking"

_NUMBER_TRIGGER = re.compile(
    r"\bhow\s+(?:many|much)\b|"
    r"\b(?:what|which)\s+(?:percentage|proportion|share|fraction|number|fine|penalty|amount|sum)"
    r"(?:\s+of)?\b|"
    r"\bhow\s+(?:long|quickly|soon|often|old)\b",
    re.IGNORECASE,
)
_SUPERLATIVE = (
    r"most|least|largest|biggest|highest|lowest|smallest|greatest|commonest|fewest|worst|best"
)
# "best" and "most important" ask for advice, not for a ranking the sources must state.
_RANKED = r"most|least|largest|biggest|highest|lowest|smallest|greatest|commonest|fewest"
_RANKING_TRIGGER = re.compile(
    rf"\b(?:which|what|who)\b(?:[^?.;]*?)\b(?<!at\s)(?<!in\s)(?:{_RANKED})\b"
    r"(?!\s+(?:of|important|useful|helpful|effective|significant|urgent)\b)",
    re.IGNORECASE,
)
_AFTER_SUPERLATIVE = re.compile(
    rf"\b(?<!at\s)(?:{_SUPERLATIVE})\s+(?:common|frequent|likely|often|usual)?\s*", re.IGNORECASE
)
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|thousand|million|billion|half|third|quarter|dozen|twice|double|treble|triple"
)
_NUMBER = re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d\d(?:\s*[-–/]\s*\d{2,4})?\b")
_RANKING_LANGUAGE = re.compile(
    rf"\b(?:{_SUPERLATIVE}|more|less|fewer|higher|lower|larger|greater|smaller|main|majority|"
    r"top|predominant\w*|commonly|over-?represent\w*|under-?represent\w*|disproportionat\w*|"
    r"twice|times\s+(?:as|more)|rank\w*)\b",
    re.IGNORECASE,
)
_CLAUSE = re.compile(
    r",\s*(?:and|but|or)\b|;|\band\s+(?=(?:what|which|who|whom|how|when|where|why|is|are|was|"
    r"were|does|did|do)\b)",
    re.IGNORECASE,
)
_NAMED_SOURCE = re.compile(
    r"\b(?:according\s+to|as\s+set\s+out\s+in|as\s+stated\s+in)\b.*$", re.IGNORECASE
)
_QUOTED_TITLE = re.compile(r"['\"‘“][^'\"‘’“”]{3,80}['\"’”]")
# Words of the question type, and nouns too general to name what is counted or ranked.
_TYPE_WORDS = frozenset(
    tokenize(
        "how many much long quickly soon often old percentage proportion share fraction number "
        "amount sum figure total most least largest biggest highest lowest smallest greatest "
        "commonest fewest worst best common frequent frequently likely usual usually"
    )
)
_GENERIC = frozenset(tokenize("type types kind kinds form forms group groups sort way ways thing"))
_WORD = re.compile(r"[A-Za-z0-9'’-]+")


@dataclass(frozen=True)
class Focus:
    kind: str
    counted: frozenset[str]  # every one of these must be in the sentence
    others: frozenset[str]  # the rest of the question's content words
    numbers: frozenset[str]  # numbers the question itself gives


def key(token: str) -> str:
    """A word's comparison key: its keyword stem without a final "e", cut to five letters."""
    if len(token) > 4:
        token = token.rstrip("e")
    return token[:5]


def keys(text: str) -> frozenset[str]:
    return frozenset(key(t) for t in tokenize(text))


_GENERIC_KEYS = frozenset(key(g) for g in _GENERIC)


def asks_for(question: str) -> str | None:
    """``"number"``, ``"ranking"`` or None: what kind of specific answer the question wants."""
    if _NUMBER_TRIGGER.search(question):
        return NUMBER_KIND
    if _RANKING_TRIGGER.search(question):
        return RANKING_KIND
    return None


def focus_of(question: str) -> Focus | None:
    kind = asks_for(question)
    if kind is None:
        return None
    trigger = _NUMBER_TRIGGER if kind == NUMBER_KIND else _RANKING_TRIGGER
    clauses = [c for c in _CLAUSE.split(question) if c and trigger.search(c)]
    clause = _NAMED_SOURCE.sub(" ", _QUOTED_TITLE.sub(" ", " ".join(clauses) or question))
    counted: set[str] = set()
    if kind == NUMBER_KIND:
        for m in _NUMBER_TRIGGER.finditer(clause):
            if re.search(r"(?:fine|penalty|amount|sum)$", m.group(0), re.IGNORECASE):
                counted |= keys(m.group(0).split()[-1])
            counted |= _span_after(clause, m.end())
    else:
        for m in re.finditer(r"\b(?:which|what|who)\b", clause, re.IGNORECASE):
            counted |= _span_after(clause, m.end())
        for m in _AFTER_SUPERLATIVE.finditer(clause):
            counted |= _span_after(clause, m.end())
    content = {key(t) for t in tokenize(clause) if t not in _TYPE_WORDS and not t.isdigit()}
    content -= _GENERIC_KEYS
    counted = {k for k in counted if k in content and k not in _GENERIC_KEYS}
    numbers = frozenset(re.findall(r"\d+(?:\.\d+)?", question))
    return Focus(kind, frozenset(counted), frozenset(content - counted), numbers)


def _span_after(clause: str, start: int) -> set[str]:
    """Keys of the words right after ``start`` up to the first function word or punctuation."""
    out: set[str] = set()
    for m in _WORD.finditer(clause, start):
        if clause[start : m.start()].strip(" "):
            break  # punctuation between words ends the span
        word = m.group(0).lower()
        generic = bool(out) and out <= _GENERIC_KEYS
        if word == "of" and generic:  # "most common form of abuse": abuse is what is ranked
            out, start = set(), m.end()
            continue
        if word in STOPWORDS or word in {"of", "the", "a", "an"}:
            break
        out |= keys(word)
        start = m.end()
    return out


def gives(
    focus: Focus, sentence: str, weights: dict[str, float] | None = None, context: str = ""
) -> bool:
    """Whether ``sentence`` could carry the number or ranking ``focus`` asks for. ``context``
    (its section headings and document title) may supply the question's other words, never the
    number, the ranking or the thing counted."""
    if focus.kind == NUMBER_KIND:
        if not has_number(sentence, focus.numbers):
            return False
    elif not _RANKING_LANGUAGE.search(sentence):
        return False
    words = keys(sentence)
    if focus.counted:
        around = words | keys(context)
        return focus.counted <= words and (not focus.others or bool(focus.others & around))
    if not focus.others:
        return True
    weights = weights or {}
    total = sum(weights.get(k, 1.0) for k in focus.others)
    found = sum(weights.get(k, 1.0) for k in focus.others & words)
    return found >= 0.5 * total


def has_number(sentence: str, ignore: Iterable[str] = ()) -> bool:
    """A number other than a year or one of ``ignore`` (numbers the question already gives)."""
    text = _YEAR.sub(" ", sentence)
    for number in ignore:
        text = re.sub(rf"(?<![\d.]){re.escape(number)}(?![\d.])", " ", text)
    return bool(_NUMBER.search(text))


def missing_kind(
    question: str, sentences: Sequence[str], contexts: Sequence[str] = ()
) -> str | None:
    """The kind of specific answer the question asks for when none of ``sentences`` gives it
    (``contexts``, when given, holds each sentence's headings and title)."""
    focus = focus_of(question)
    if focus is None or not (focus.counted or focus.others):
        return None
    pool = [keys(s) for s in sentences]
    weights = {k: math.log(1.0 + len(pool) / (1 + sum(k in p for p in pool))) for k in focus.others}
    around = list(contexts) + [""] * (len(sentences) - len(contexts))
    if any(gives(focus, s, weights, c) for s, c in zip(sentences, around, strict=True)):
        return None
    return focus.kind
