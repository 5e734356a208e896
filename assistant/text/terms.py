"""Words of the library: Snowball stems, their document frequencies, and prefix look-ups.

``stems`` is how evidence selection compares a question with the library: lower case, stop words
dropped, each word reduced by the Snowball English stemmer (PyStemmer), so "families"/"family",
"abused"/"abuse" and "concluded"/"conclude" meet. ``LibraryTerms`` counts in how many chunks each
stem occurs (IDF) and answers "does the library use this word at all?" - allowing a stem to match
a longer one sharing all but its last letter ("adultif" ~ "adultifi", "racis" ~ "racism").
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from assistant.keyword import STOPWORDS

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
PREFIX_MIN = 4


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lower case without accents ("Climbié" -> "climbie"), so spellings with and without meet."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# British past forms in -t, which the stemmer leaves apart from their -ed forms
_PAST_IN_T = {
    "smelt": "smelled",
    "learnt": "learned",
    "spelt": "spelled",
    "burnt": "burned",
    "dreamt": "dreamed",
    "spoilt": "spoiled",
    "spilt": "spilled",
    "leapt": "leaped",
}


# an acronym's plural ("DSLs", "GPs") is the acronym; one ending in a capital S ("CAMHS") is not
_ACRONYM_PLURAL = re.compile(r"\b([A-Z][A-Za-z]*[A-Z])s\b")


def words(text: str) -> list[str]:
    text = _ACRONYM_PLURAL.sub(r"\1", text)
    found = (w.removesuffix("'s").removesuffix("'") for w in _WORD.findall(fold(text)))
    return [_PAST_IN_T.get(w, w) for w in found if w and not _stopword(w)]


def _stopword(word: str) -> bool:
    """A stop word, or one typed without its apostrophe ("whats", "hows")."""
    return word in STOPWORDS or (word.endswith("s") and len(word) <= 6 and word[:-1] in STOPWORDS)


def stems(text: str) -> list[str]:
    found = words(text)
    return list(_stemmer().stemWords(found)) if found else []


def stem_pairs(text: str) -> list[tuple[str, str]]:
    """(stem, word) for each keyword of ``text``."""
    found = words(text)
    return list(zip(_stemmer().stemWords(found), found, strict=True)) if found else []


@dataclass(frozen=True)
class LibraryTerms:
    """Chunk-level document frequency of every stem in a build."""

    df: dict[str, int]
    n: int
    vocabulary: tuple[str, ...]  # sorted stems, for prefix look-ups

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> LibraryTerms:
        df: Counter[str] = Counter()
        n = 0
        for text in texts:
            df.update(set(stems(text)))
            n += 1
        return cls(dict(df), n, tuple(sorted(df)))

    def frequency(self, stem: str, *, slack: int = 1) -> int:
        """Chunks holding the stem, or a stem sharing all but its last ``slack`` letters."""
        if stem in self.df:
            return self.df[stem]
        prefix = stem[: max(PREFIX_MIN, len(stem) - slack)]
        if len(prefix) < PREFIX_MIN:
            return 0
        i = bisect.bisect_left(self.vocabulary, prefix)
        total = 0
        while i < len(self.vocabulary) and self.vocabulary[i].startswith(prefix):
            if len(self.vocabulary[i]) - len(prefix) <= 3:
                total = max(total, self.df[self.vocabulary[i]])
            i += 1
        return total

    def present(self, stem: str) -> bool:
        return self.frequency(stem) > 0

    def exactly_present(self, stem: str) -> bool:
        """The stem itself occurs: for names, which do not inflect ("Casey" is not "case")."""
        return stem in self.df

    def related_present(self, stem: str) -> bool:
        """The stem or a word formed from the same root ("conclude" ~ "conclusion") occurs."""
        return self.frequency(stem, slack=2 if len(stem) >= 7 else 1) > 0

    def idf(self, stem: str) -> float:
        return math.log((self.n + 1) / (self.frequency(stem) + 0.5))
