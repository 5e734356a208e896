"""Text helpers shared by the evaluators: normalising, sentences, citation markers, fuzzy match
(rapidfuzz)."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from assistant.keyword import tokenize
from assistant.text.normalisation import collapsed_whitespace

_SPACE = re.compile(r"\s+")
_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_CUT = re.compile(r"[.!?…][\"”’')]*(?=\s+(\S))|\[\d+(?:\s*[,;]\s*\d+)*\](?=\s+([^\s\[]))")
_ABBREVIATION = re.compile(
    r"(?:\b(?:e\.g|i\.e|cf|vs|etc|pp?|para|paras|no|nos|dr|mr|mrs|ms|st)|\b[A-Z])\.$", re.I
)
_LEADING_MARKERS = re.compile(r"^((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)\s*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")
_NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "none",
        "nor",
        "neither",
        "without",
        "nobody",
        "nothing",
        "cannot",
        "n't",
    }
)
_MODALS = frozenset(
    {
        "must",
        "should",
        "may",
        "might",
        "could",
        "can",
        "would",
        "will",
        "shall",
        "ought",
        "need",
        "needs",
    }
)
_WORDS = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|n't")
_ELLIPSIS = re.compile(r"\s*(?:…|\.\.\.|\[\s*\.\.\.\s*\])\s*")


def loose(text: str) -> str:
    """Lower-cased, whitespace-normalised, with curly quotes and dashes made plain."""
    table = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
    return collapsed_whitespace(text).translate(table).lower()


def markers(text: str) -> list[int]:
    """Citation numbers in the order they appear: ``[1]``, ``[2, 3]`` and ``[1][2]`` all count."""
    out: list[int] = []
    for match in _MARKER.finditer(text):
        out.extend(int(n) for n in re.split(r"\s*[,;]\s*", match.group(1)))
    return out


def strip_markers(text: str) -> str:
    return collapsed_whitespace(_MARKER.sub(" ", text))


def sentences(text: str) -> list[str]:
    """Answer sentences, each keeping the citation markers that follow it.

    Lines are split first (list items and headings are statements of their own), then sentences;
    a marker that starts a fragment (``"... end. [2] Next"``) is moved back to the sentence before.
    """
    out: list[str] = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)]|#+)\s+", "", line).strip()
        for piece in _cut(line):
            lead = _LEADING_MARKERS.match(piece)
            if lead and out:
                out[-1] = f"{out[-1]} {lead.group(1).strip()}"
                piece = piece[lead.end() :]
            if piece:
                out.append(piece)
    return out


def _cut(line: str) -> list[str]:
    """A line cut after sentence-ending punctuation (closing quotes kept) and after a citation
    marker followed by more text. No cut after an abbreviation ("e.g.", "p.") or before a
    lower-case word."""
    pieces, start = [], 0
    for match in _CUT.finditer(line):
        follower = match.group(1)
        if follower is not None and (
            follower.islower() or _ABBREVIATION.search(line[start : match.start() + 1])
        ):
            continue
        pieces.append(line[start : match.end()])
        start = match.end()
    pieces.append(line[start:])
    return [p.strip() for p in pieces if p.strip()]


def words(text: str) -> list[str]:
    return _WORDS.findall(loose(text).replace("’", "'"))


def content_words(text: str) -> set[str]:
    """Stemmed words without stop words (the keyword index's tokenizer)."""
    return set(tokenize(loose(text)))


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(strip_markers(text))}


def negations(text: str) -> set[str]:
    return {w for w in words(text) if w in _NEGATIONS or w.endswith("n't")}


def modals(text: str) -> set[str]:
    return {w for w in words(text) if w in _MODALS}


def fragments(quote: str) -> list[str]:
    """A quote split at ellipses: each fragment must be verbatim, in order."""
    return [f for f in (collapsed_whitespace(p) for p in _ELLIPSIS.split(quote)) if f]


def contains_in_order(haystack: str, needles: list[str]) -> bool:
    pos = 0
    for needle in needles:
        found = haystack.find(needle, pos)
        if found < 0:
            return False
        pos = found + len(needle)
    return True


def containment(fact: str, text: str) -> float:
    """Share of the fact's content words (stemmed) that occur in the text; 0 for an empty fact."""
    wanted = content_words(fact) | numbers(fact)
    if not wanted:
        return 0.0
    have = content_words(text) | numbers(text)
    return len(wanted & have) / len(wanted)


def partial_ratio(short: str, long: str) -> float:
    """How well ``short`` matches its best-aligned stretch of ``long`` (rapidfuzz's partial
    ratio, 0..1). A ``short`` at least as long as ``long`` is compared whole, so a fact is never
    "found" in a text just because the text is a fragment of it."""
    a, b = loose(short), loose(long)
    if not a or not b:
        return 0.0
    if len(a) >= len(b):
        return float(fuzz.ratio(a, b)) / 100.0
    return float(fuzz.partial_ratio(a, b)) / 100.0


KEY_FACT_CONTAINMENT = 0.6
KEY_FACT_PARTIAL_RATIO = 0.8


def fact_found(fact: str, text: str) -> bool:
    """A key fact is in the text: >= 60% of its stemmed content words and numbers occur there, or
    its best partial ratio against the text is >= 0.8 (README "Key facts")."""
    return (
        containment(fact, text) >= KEY_FACT_CONTAINMENT
        or partial_ratio(fact, text) >= KEY_FACT_PARTIAL_RATIO
    )
