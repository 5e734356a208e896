"""Sentence spans of answer text, keeping each sentence's ``[n]`` markers with it.

Used by the output guardrails (drop one sentence, leave the rest of the text as it was) and by the
LLM answerer (check each sentence's citations, pick the passage sentence that supports it). It is
a careful regex splitter, not a parser: it knows common abbreviations ("e.g.", "Dr.", "p. 12"),
initials, decimal numbers and markers written either side of the full stop ("factor [1]." and
"factor. [1]").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKER = re.compile(r"\[(\d{1,3})\]")
_MARKERS = r"(?:\s*\[\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\])*"
# End punctuation, closing quotes/brackets, trailing markers; then space and a sentence start.
_BOUNDARY = re.compile(
    r"[.!?…]+[\"”’')\]]*"
    + _MARKERS
    + r"(?P<gap>[ \t]+|[ \t]*\n[ \t]*)(?=(?!\[\d)[\"“‘'(\[]?[A-Z0-9])"
)
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "cf",
        "vs",
        "al",
        "approx",
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "prof",
        "st",
        "no",
        "nos",
        "p",
        "pp",
        "para",
        "paras",
        "vol",
        "ch",
        "sec",
        "fig",
        "ref",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "inc",
        "ltd",
        "co",
        "govt",
        "dept",
    ]
)
_ABBREV_BEFORE = re.compile(r"(?:^|[\s(“\"'])([A-Za-z][A-Za-z.]{0,6})\.$")


@dataclass(frozen=True)
class Span:
    """A sentence: ``text == source[start:end]`` (stripped, markers included)."""

    start: int
    end: int
    text: str


def _is_abbreviation(text_before: str) -> bool:
    match = _ABBREV_BEFORE.search(text_before)
    if not match:
        return False
    word = match.group(1).rstrip(".").lower()
    return word in _ABBREVIATIONS or len(word) == 1  # an initial: "J. Davis"


def _block_spans(text: str, start: int, end: int, lines_break: bool) -> list[tuple[int, int]]:
    cuts: list[tuple[int, int]] = []
    cursor = start
    block = text[start:end]
    for match in _BOUNDARY.finditer(block):
        cut = start + match.start("gap")
        dot = start + match.start()
        if _is_abbreviation(text[cursor : dot + 1]) and "\n" not in match.group("gap"):
            continue
        cuts.append((cursor, cut))
        cursor = start + match.end("gap")
    cuts.append((cursor, end))
    if not lines_break:
        return cuts
    out: list[tuple[int, int]] = []
    for a, b in cuts:  # a single line break also ends a sentence (lists, headings)
        pos = a
        for nl in re.finditer(r"\n", text[a:b]):
            out.append((pos, a + nl.start()))
            pos = a + nl.end()
        out.append((pos, b))
    return out


def sentence_spans(text: str, *, lines_break: bool = True) -> list[Span]:
    """Sentences of ``text`` in order. Blank lines always end a sentence; single line breaks do
    when ``lines_break`` (answer text) and do not otherwise (hard-wrapped passage text)."""
    spans: list[Span] = []
    blocks: list[tuple[int, int]] = []
    pos = 0
    for para in _PARAGRAPH.finditer(text):
        blocks.append((pos, para.start()))
        pos = para.end()
    blocks.append((pos, len(text)))
    for b_start, b_end in blocks:
        for a, b in _block_spans(text, b_start, b_end, lines_break):
            raw = text[a:b]
            stripped = raw.strip()
            if stripped:
                lead = len(raw) - len(raw.lstrip())
                spans.append(Span(a + lead, a + lead + len(stripped), stripped))
    return spans


def split_sentences(text: str, *, lines_break: bool = True) -> list[str]:
    return [s.text for s in sentence_spans(text, lines_break=lines_break)]


def markers(sentence: str) -> list[int]:
    """The citation numbers in a sentence, in order, without repeats."""
    seen: list[int] = []
    for match in MARKER.finditer(sentence):
        n = int(match.group(1))
        if n not in seen:
            seen.append(n)
    return seen


def without_markers(sentence: str) -> str:
    """The sentence with its ``[n]`` markers removed and spacing tidied."""
    text = MARKER.sub("", sentence)
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return " ".join(text.split())


def normalise(text: str) -> str:
    """Whitespace, quote and dash variants folded, for verbatim comparisons."""
    table = str.maketrans(
        {"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "}
    )
    return " ".join(text.translate(table).split())
