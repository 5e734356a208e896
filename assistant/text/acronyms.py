"""Acronyms the library defines itself: "designated safeguarding lead (DSL)".

Documents introduce an acronym by writing its long form with the acronym in brackets after it,
or the other way round ("MASH (multi-agency safeguarding hub)"). A question that uses the acronym
asks about what the long form names, and the other way round, so evidence selection treats each
as the other. The long form is accepted only when the acronym's letters are the initials of its
words (ignoring small joining words, and counting each part of a hyphenated word), so a bracket
that merely follows some words ("the review (CSPR)") is not taken for a definition unless the
words really spell it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

# "(ACRONYM)", its long form read back from the words before it; the acronym may carry a plural
# "s" ("(DSLs)")
_BRACKETED = re.compile(r"\(([A-Z][A-Za-z]{1,8})\)")
# "ACRONYM (long form)"
_SHORT_THEN_LONG = re.compile(r"\b([A-Z][A-Z0-9]{1,8})\s*\(([A-Za-z][^()]{3,120})\)")
_WORDS_BEFORE = re.compile(r"[A-Za-z][\w’'&-]*")
_JOINING = frozenset(
    ["of", "the", "for", "and", "in", "on", "to", "a", "an", "with", "at", "by", "&"]
)
_PLURAL = re.compile(r"^([A-Z][A-Za-z]*[A-Z])s$")
MAX_WORDS = 10


def singular(acronym: str) -> str:
    """ "DSLs" -> "DSL"; an acronym ending in a capital S ("CAMHS") keeps it."""
    match = _PLURAL.match(acronym)
    return match.group(1) if match else acronym


def _initials(words: list[str], skip_joining: bool) -> str:
    parts = [p for w in words for p in re.split(r"[-–]", w) if p]
    return "".join(p[0] for p in parts if not (skip_joining and p.lower() in _JOINING)).lower()


def _spelled_by(letters: str, words: list[str]) -> int:
    """How many of the last ``words`` (the fewest) have initials spelling ``letters``; 0 if
    none do."""
    for n in range(1, min(len(words), MAX_WORDS) + 1):
        tail = words[-n:]
        if tail[0].lower() in _JOINING:
            continue
        if _initials(tail, True) == letters or _initials(tail, False) == letters:
            return n
    return 0


def _acronym_letters(acronym: str) -> str | None:
    bare = singular(acronym)
    capitals = sum(c.isupper() for c in bare)
    if len(bare) < 2 or capitals < 2 or capitals < len(bare) - 1:
        return None  # "Annex", "Page": a word, not an acronym
    return bare.lower()


def definitions(text: str) -> Iterable[tuple[str, str]]:
    """(acronym, long form) pairs that ``text`` defines."""
    for match in _BRACKETED.finditer(text):
        letters = _acronym_letters(match.group(1))
        if letters is None:
            continue
        before = text[max(0, match.start() - 160) : match.start()]
        if before and not before[-1].isspace():
            continue  # "word(ABC)": not a definition
        paragraph = before.rsplit("\n\n", 1)[-1]
        spans = [m for m in _WORDS_BEFORE.finditer(paragraph) if m.group(0).strip("-")]
        n = _spelled_by(letters, [m.group(0).strip("-") for m in spans])
        if n:
            long_form = paragraph[spans[-n].start() : spans[-1].end()]
            yield singular(match.group(1)), long_form.strip("’'‘-")
    for match in _SHORT_THEN_LONG.finditer(text):
        letters = _acronym_letters(match.group(1))
        if letters is None:
            continue
        words = match.group(2).split()
        for n in range(len(words), 0, -1):  # the long form starts the bracket
            head = words[:n]
            if _initials(head, True) == letters or _initials(head, False) == letters:
                yield singular(match.group(1)), " ".join(head)
                break


def glossary(texts: Iterable[str], known: Mapping[str, str] = {}) -> dict[str, str]:
    """Lower-case acronym -> its long form (lower case), from the library's own definitions;
    where a library defines one acronym several ways, the most frequent wins. ``known`` fills in
    acronyms the library never defines."""
    counts: dict[str, Counter[str]] = {}
    for text in texts:
        for acronym, long_form in definitions(text):
            counts.setdefault(acronym.lower(), Counter())[long_form.lower()] += 1
    found = {a: c.most_common(1)[0][0] for a, c in counts.items()}
    return {**{k.lower(): v.lower() for k, v in known.items()}, **found}


_CAPITALS = re.compile(r"\b[A-Z][A-Za-z]*[A-Z]s?\b")
EVERYDAY_ZIPF = 3.5  # a lower-case word this common in English is that word, not an acronym


def question_acronyms(
    text: str, glossary: Mapping[str, str], stem: Callable[[str], list[str]]
) -> tuple[tuple[str, frozenset[str]], ...]:
    """(acronym stem, long-form stems) for the glossary's acronyms a question uses or spells out:
    written in capitals ("the DSL"), or in lower case when the word is not an everyday English
    one ("dsl", not "send")."""
    from assistant.text.word_frequency import zipf

    capitals = {singular(w).lower() for w in _CAPITALS.findall(text)}
    asked = set(stem(text))
    out = []
    for acronym, long_form in glossary.items():
        short = stem(acronym)
        if len(short) != 1:
            continue
        spelled = frozenset(stem(long_form))
        uses = short[0] in asked and (acronym in capitals or zipf(acronym) < EVERYDAY_ZIPF)
        if uses or (spelled and spelled <= asked):
            out.append((short[0], spelled))
    return tuple(out)


def with_acronyms(found: set[str], pairs: Iterable[tuple[str, frozenset[str]]]) -> set[str]:
    """``found`` (a unit's stems) with each acronym's long form where it holds the acronym, and
    the acronym where it holds the whole long form."""
    out = set(found)
    for short, spelled in pairs:
        if short in found:
            out |= spelled
        elif spelled and spelled <= found:
            out.add(short)
    return out


def expanded(query: str, glossary: Mapping[str, str], stem: Callable[[str], list[str]]) -> str:
    """``query`` with the long form of each acronym it uses, and the acronym of each long form
    it spells out, added in brackets: for keyword search, so a passage written either way is
    found ("the DSL" finds "the designated safeguarding lead")."""
    asked = set(stem(query))
    extra: list[str] = []
    for short, _ in question_acronyms(query, glossary, stem):
        if short in asked:
            extra.extend(long for a, long in glossary.items() if stem(a) == [short])
        else:
            extra.append(short.upper())
    return f"{query} ({'; '.join(dict.fromkeys(extra))})" if extra else query


def _written_out(long_form: str) -> Callable[[re.Match[str]], str]:
    return lambda found: f"{long_form} ({found.group(0)})"


def spelled_out(query: str, glossary: Mapping[str, str], stem: Callable[[str], list[str]]) -> str:
    """``query`` with each acronym it uses written out, the acronym kept in brackets ("the
    designated safeguarding lead (DSL)"): for the dense search, since a small embedding model
    knows a long form better than most acronyms."""
    asked = set(stem(query))
    out = query
    for short, _ in question_acronyms(query, glossary, stem):
        if short not in asked:
            continue  # spelled out already
        for acronym, long_form in glossary.items():
            if stem(acronym) == [short]:
                pattern = re.compile(rf"\b{re.escape(acronym)}s?\b", re.IGNORECASE)
                out = pattern.sub(_written_out(long_form), out)
    return out
