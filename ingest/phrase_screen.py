"""A cheap, exact screen in front of theme phrase patterns: words a pattern cannot match without.

Most of theme tagging's time went on regular expressions searched over chunks that hold none of
their words. Every phrase pattern here is matched case-insensitively, and most of them cannot
match without some plain run of letters ("racism", "county line", one of "police"/"policing").
Those runs (a pattern's *needles*) are read from the pattern itself with Python's own regular
expression parser, so they cannot drift from the taxonomy. A text is folded once (lower case, plus
the few non-ASCII letters that ``re.IGNORECASE`` also equates with ASCII ones), and a pattern is
searched only when one of its needles occurs in the folded text. When none does, the pattern
cannot match: skipping it changes nothing.

Soundness rests on two facts, both checked by tests/test_theme_screen.py:
- a needle is a run of consecutive literal characters that every match of the pattern contains
  (or one of a set of such runs, one per alternative), as read from the parsed pattern;
- every character ``re.IGNORECASE`` matches against a needle character folds to exactly that
  character (checked over every Unicode code point), so a match's needle is in the folded text.
A pattern with no usable run (a lookaround-only or all-class pattern) has no needles and is
always searched.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parser's op codes (Python 3.11+)
import re._parser as sre_parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["NEEDLE_CHARS", "Screen", "Screened", "fold", "needles", "screened"]

# Pattern characters a needle may hold: those whose case-insensitive matches are known exactly.
NEEDLE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 -'")
# Non-ASCII characters that re.IGNORECASE matches with an ASCII letter, and that str.lower() does
# not turn into that letter on its own (U+0130 lowers to two characters; U+0131 and U+017F do not
# lower to ASCII at all; U+212A, the Kelvin sign, is listed for clarity).
_FOLD_EXTRA = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


_FOLD_SPECIAL = "\u0130\u0131\u017f\u212a"


def fold(text: str) -> str:
    """``text`` lowered so that a case-insensitive match of a needle is a plain substring."""
    if text.isascii() or not any(c in text for c in _FOLD_SPECIAL):
        return text.lower()
    return text.translate(_FOLD_EXTRA).lower()


@dataclass(frozen=True)
class Screened:
    """A compiled phrase pattern and the needles it cannot match without (empty: always run)."""

    phrase: str
    pattern: re.Pattern[str]
    needles: tuple[str, ...]

    def may_match(self, folded: str) -> bool:
        """False only when the pattern certainly has no match in the text ``folded`` came from."""
        if not self.needles:
            return True
        return any(needle in folded for needle in self.needles)


def screened(phrase: str, pattern: re.Pattern[str]) -> Screened:
    return Screened(phrase, pattern, needles(pattern.pattern, pattern.flags))


@dataclass(frozen=True)
class Screen:
    """Many screened patterns at once: each distinct needle is looked for once per text."""

    by_needle: tuple[tuple[str, tuple[int, ...]], ...]  # needle -> positions of its patterns
    always: frozenset[int]  # positions of patterns without needles

    @classmethod
    def of(cls, rules: Sequence[Screened]) -> Screen:
        owners: dict[str, list[int]] = {}
        for position, rule in enumerate(rules):
            for needle in rule.needles:
                owners.setdefault(needle, []).append(position)
        always = frozenset(i for i, rule in enumerate(rules) if not rule.needles)
        return cls(tuple((n, tuple(p)) for n, p in sorted(owners.items())), always)

    def candidates(self, folded: str) -> set[int]:
        """Positions of the patterns that may match the text ``folded`` came from."""
        found = set(self.always)
        for needle, positions in self.by_needle:
            if needle in folded:
                found.update(positions)
        return found


def needles(pattern: str, flags: int = re.IGNORECASE) -> tuple[str, ...]:
    """Lower-case strings, one of which every match of ``pattern`` contains; () when unknown."""
    found = _required(sre_parse.parse(pattern, flags).data)
    return tuple(sorted(found)) if found else ()


# --- reading the parsed pattern -------------------------------------------------------------------

Ops = Sequence[tuple[Any, Any]]


def _required(ops: Ops) -> frozenset[str] | None:
    """The best set of alternatives one of which any match of the sequence ``ops`` contains."""
    options: list[frozenset[str]] = []
    run: list[str] = []
    for op, arg in ops:
        char = _literal(op, arg)
        if char is not None:
            run.append(char)
            continue
        if run:
            options.append(frozenset({"".join(run)}))
            run = []
        inner = _required_of(op, arg)
        if inner:
            options.append(inner)
    if run:
        options.append(frozenset({"".join(run)}))
    return max(options, key=_selectivity, default=None)


def _literal(op: Any, arg: Any) -> str | None:
    if op is not sre.LITERAL:
        return None
    char = chr(arg).lower() if chr(arg).isascii() else chr(arg)
    return char if char in NEEDLE_CHARS else None


def _required_of(op: Any, arg: Any) -> frozenset[str] | None:
    """Needles of one non-literal op: a group, an alternation, or a repeat of at least one."""
    if op is sre.SUBPATTERN:
        return _required(arg[-1])
    if op is sre.BRANCH:
        return _union(_required(branch) for branch in arg[1])
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
        return _required(arg[2])
    if op is sre.IN:
        chars = [_literal(o, a) for o, a in arg]
        return None if None in chars else frozenset(c for c in chars if c is not None)
    return None  # anchors, lookarounds, classes, optional parts: nothing certain


def _union(parts: Iterable[frozenset[str] | None]) -> frozenset[str] | None:
    """One of the branches matches, so one of their needles is present: unless one has none."""
    union: set[str] = set()
    for part in parts:
        if not part:
            return None
        union |= part
    return frozenset(union)


def _selectivity(option: frozenset[str]) -> tuple[int, int]:
    """Longer needles are rarer; fewer alternatives are cheaper to test."""
    return (min(len(n) for n in option), -len(option))
