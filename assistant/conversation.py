"""Follow-up handling: turn a question plus the conversation so far into a standalone search query.

With a condenser (an LLM, see ``assistant.generation.llm.condense``) the model rewrites the
question; any error falls back to the deterministic method below.

The deterministic method, for when no LLM is configured:

* A question is **elliptical** when it leans on earlier turns: it uses a pronoun or a pointing
  word ("it", "they", "those", "that report", "she"...), opens like a continuation ("what about",
  "and", "which of those"), or is short (at most ``SHORT_QUESTION_WORDS`` words).
* The **subject** of a turn is what it was about: quoted titles, capitalised names ("Child Q",
  "Professional Inter-Adultification Model"), then its remaining content words, with question
  words and generic verbs ("wrote", "published", "say") removed.
* An elliptical question is searched as ``question + subject of the previous turn``. Subjects
  carry forward: when the previous turn was itself elliptical, its own carried subject counts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from assistant.keyword import STOPWORDS
from assistant.types import Turn

log = logging.getLogger(__name__)

Condenser = Callable[[str, Sequence[Turn]], str]

SHORT_QUESTION_WORDS = 8
MAX_SUBJECT_WORDS = 12

_REFERRING = frozenset(
    [
        "it",
        "its",
        "it's",
        "they",
        "them",
        "their",
        "theirs",
        "those",
        "these",
        "that",
        "this",
        "she",
        "her",
        "hers",
        "he",
        "him",
        "his",
        "there",
        "such",
        "same",
        "above",
        "former",
        "latter",
    ]
)
_CONTINUATIONS = (
    "what about",
    "how about",
    "and ",
    "also ",
    "which of",
    "what else",
    "anything else",
    "tell me more",
    "more on",
    "but ",
)
_QUESTION_WORDS = frozenset(
    [
        "what",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "which",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "has",
        "have",
        "had",
        "please",
        "tell",
        "me",
        "explain",
        "describe",
        "list",
        "give",
        "show",
    ]
)
_GENERIC_VERBS = frozenset(
    [
        "wrote",
        "write",
        "written",
        "writes",
        "publish",
        "published",
        "say",
        "said",
        "says",
        "show",
        "shows",
        "showed",
        "find",
        "found",
        "mean",
        "means",
        "meant",
        "conclude",
        "concluded",
        "concluding",
        "recommend",
        "recommended",
        "make",
        "made",
        "include",
        "included",
        "includes",
        "involve",
        "involved",
        "give",
        "gave",
        "given",
        "use",
        "used",
        "know",
    ]
)
_QUOTED = re.compile(
    r"(?:^|[\s(])['\"‘“]((?:[^'\"‘’“”]|(?<=\w)['’](?=\w)){3,80}?)['\"’”](?=[\s,.?!:;)]|$)"
)
_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of|and|for|the|&|[A-Z][\w'’-]*))*")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’-]*")


def standalone_query(
    question: str, history: Sequence[Turn | Any] = (), *, condenser: Condenser | None = None
) -> str:
    """The search query for ``question`` given earlier turns (oldest first)."""
    turns = [t if isinstance(t, Turn) else Turn.from_dict(t) for t in history]
    turns = [t for t in turns if t.question.strip()]
    if not turns:
        return question.strip()
    if condenser is not None:
        try:
            condensed = condenser(question, turns).strip()
            if condensed:
                return condensed
        except Exception as exc:  # an LLM failure must never stop the answer
            log.warning("condense failed (%s); using the deterministic method", type(exc).__name__)
    return deterministic_query(question, turns)


def deterministic_query(question: str, history: Sequence[Turn]) -> str:
    carried = ""
    for turn in history:
        carried = _subject_after(turn.question, carried)
    question = question.strip()
    if not carried or not is_elliptical(question):
        return question
    return f"{question} {carried}"


def _subject_after(question: str, carried: str) -> str:
    """The subject in force after ``question``: its own, plus the carried one if it was elliptical."""
    own = subject(question)
    if carried and is_elliptical(question):
        return _join_unique([own, carried])
    return own or carried


def is_elliptical(question: str) -> bool:
    lowered = question.lower().strip()
    words = [w.strip("'’") for w in _WORD.findall(lowered)]
    if len(words) <= SHORT_QUESTION_WORDS:
        return True
    if any(lowered.startswith(c) for c in _CONTINUATIONS):
        return True
    for word in words:  # a pointing word before the question's own first content word
        if word in _REFERRING:
            return True
        if word not in STOPWORDS | _QUESTION_WORDS | _GENERIC_VERBS:
            return False
    return False


def subject(question: str) -> str:
    """Quoted titles and names first, then the other content words (at most MAX_SUBJECT_WORDS)."""
    parts: list[str] = [m.strip() for m in _QUOTED.findall(question)]
    body = _QUOTED.sub(" ", question)
    for match in _NAME.finditer(body):
        name = _trim_name(match.group(0))
        if name:
            parts.append(name)
    content = [
        w
        for w in _WORD.findall(body)
        if w.lower() not in STOPWORDS
        and w.lower() not in _QUESTION_WORDS
        and w.lower() not in _GENERIC_VERBS
        and w.lower() not in _REFERRING
    ]
    parts.extend(content)
    return _join_unique(parts, limit=MAX_SUBJECT_WORDS)


def _trim_name(name: str) -> str:
    """Drop leading question words ("Who", "What") and trailing joiners from a capitalised run."""
    words = name.split()
    while words and words[0].lower() in _QUESTION_WORDS | STOPWORDS:
        words.pop(0)
    while words and words[-1].lower() in {"of", "and", "for", "the", "&"}:
        words.pop()
    return " ".join(words)


def _join_unique(parts: Sequence[str], limit: int = 2 * MAX_SUBJECT_WORDS) -> str:
    """Join phrases, skipping words already present, stopping at ``limit`` words."""
    seen: set[str] = set()
    out: list[str] = []
    for part in parts:
        fresh = [w for w in part.split() if w.lower().strip("'’") not in seen]
        if not fresh:
            continue
        if len(out) + len(fresh) > limit:
            break
        out.extend(fresh)
        seen.update(w.lower().strip("'’") for w in fresh)
    return " ".join(out)
