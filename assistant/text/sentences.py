"""The one sentence splitter (ingest, answering, output checks and evals use it).

A careful regex splitter, not a parser. It knows common abbreviations ("e.g.", "Dr.", "p. 12"),
initials, decimal numbers, ``[n]`` citation markers written either side of the full stop
("factor [1]." and "factor. [1]") and footnote markers glued to a full stop in text taken from
PDFs ("children.10 SDQ scores" ends a sentence after "children."; the "10" is dropped from both
sentences). Every sentence is an exact span of its source: ``text == source[start:end]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKERS = r"(?:\s*\[\d{1,3}(?:\s*[,;–-]\s*\d{1,3})*\])*"
# End punctuation, closing quotes/brackets, trailing markers or a glued footnote number; then
# space and a sentence start.
_BOUNDARY = re.compile(
    r"[.!?…]+[\"”’')\]]*"
    + _MARKERS
    + r"(?P<note>(?<=[a-z)”\"’]\.)\d{1,3}|(?<=[a-z]\.[\"”’])\d{1,3})?"
    + r"(?P<gap>[ \t]+|[ \t]*\n[ \t]*)(?=(?!\[\d)[\"“‘'(\[]?[A-Z0-9])"
)
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
ABBREVIATIONS = frozenset(
    """e.g i.e etc cf vs v al approx dr mr mrs ms mx prof st no nos p pp para paras vol ch sec fig
    figs ref jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co govt dept rev gen sgt jr
    sr art min max""".split()  # noqa: SIM905
)
_ABBREV_BEFORE = re.compile(r"(?:^|[\s(“\"'])([A-Za-z][A-Za-z.]{0,6})\.$")


@dataclass(frozen=True)
class Span:
    """A sentence: ``text == source[start:end]`` (stripped, markers included)."""

    start: int
    end: int
    text: str


def is_abbreviation(text_before: str) -> bool:
    """True when ``text_before`` (ending in ".") ends with an abbreviation or an initial."""
    match = _ABBREV_BEFORE.search(text_before)
    if not match:
        return False
    word = match.group(1).rstrip(".").lower()
    return word in ABBREVIATIONS or len(word) == 1  # an initial: "J. Davis"


def _block_spans(text: str, start: int, end: int, lines_break: bool) -> list[tuple[int, int]]:
    cuts: list[tuple[int, int]] = []
    cursor = start
    block = text[start:end]
    for match in _BOUNDARY.finditer(block):
        note = match.group("note")
        cut = start + (match.start("note") if note else match.start("gap"))
        dot = start + match.start()
        if not note and _is_abbreviation_cut(text, cursor, dot, match.group("gap")):
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


def _is_abbreviation_cut(text: str, cursor: int, dot: int, gap: str) -> bool:
    return "\n" not in gap and is_abbreviation(text[cursor : dot + 1])


def sentence_spans(text: str, *, lines_break: bool = True) -> list[Span]:
    """Sentences of ``text`` in order. Blank lines always end a sentence; single line breaks do
    when ``lines_break`` (answer text, lists) and do not otherwise (hard-wrapped prose)."""
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
