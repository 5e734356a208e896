"""Typing slips in a question ("alegation", "recomendations", "safegaurding").

A slip would otherwise be read as a word the library never uses, so as a subject it lacks, and
the question refused. A word is corrected only when all of these hold:

- it is written in lower case (a capitalised word may be a name, which is never corrected);
- the library does not hold it;
- one change inside it (a letter dropped, added, swapped with its neighbour or replaced, never
  the first or the last letter) gives a word the library holds;
- that word is common English and much more common than what was typed, so a rare real word
  ("sextortion", "chemsex") is not turned into a common one it happens to resemble.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator

from assistant.text.terms import stems
from assistant.text.word_frequency import zipf

MIN_LENGTH = 5
COMMON_ZIPF = 3.0  # the corrected word is at least this common in English
GAIN_ZIPF = 1.0  # ... and this much more common than the word typed
_WORD = re.compile(r"(?<![\w'’-])[a-z]{" + str(MIN_LENGTH) + r",}(?![\w'’-])")


def _inside_edits(word: str) -> Iterator[str]:
    """Words one change away that keep the first and the last letter."""
    last = len(word) - 1
    for i in range(1, last):
        yield word[:i] + word[i + 1 :]  # a letter dropped
        if i + 1 < last:
            yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # neighbours swapped
        for c in string.ascii_lowercase:
            if c != word[i]:
                yield word[:i] + c + word[i + 1 :]  # a letter replaced
    for i in range(1, len(word)):
        for c in string.ascii_lowercase:
            yield word[:i] + c + word[i:]  # a letter added


def correction(word: str, held: Callable[[str], bool]) -> str | None:
    """The library word ``word`` is a slip for, if any."""
    found = stems(word)
    if len(word) < MIN_LENGTH or not found or held(found[0]):
        return None
    floor = max(COMMON_ZIPF, zipf(word) + GAIN_ZIPF)
    best, best_zipf = None, floor
    for candidate in set(_inside_edits(word)):
        frequency = zipf(candidate)
        if frequency >= best_zipf:
            stem = stems(candidate)
            if stem and held(stem[0]):
                best, best_zipf = candidate, frequency
    return best


def corrected(text: str, held: Callable[[str], bool]) -> str:
    """``text`` with each lower-case slip replaced by the library word it stands for."""
    return _WORD.sub(lambda m: correction(m.group(0), held) or m.group(0), text)
