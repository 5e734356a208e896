"""Cleaning text that loaders read: characters, running headers/footers, hyphens, paragraphs.

Pure functions, no I/O. Paged formats (PDF) go through :func:`clean_pages`, which removes lines
that repeat at the top or bottom of pages (running headers, footers, page numbers), drops contents
pages, joins hyphenated line breaks, unwraps hard-wrapped lines into paragraphs and places outline
headings. Non-paged formats use :func:`normalise_text` and :func:`split_paragraphs` on text whose
structure the loader already knows.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.types import Page
from ingest.characters import (
    CONTROL,
    LIGATURES,
    LINE_HYPHEN,
    PRIVATE_BULLETS,
    TRANSLATE,
    TRANSLATED,
)
from ingest.model import Block
from ingest.pagelines import (
    HeadingMark,
    RawPage,
    find_contents_pages,
    remove_running_lines,
)

__all__ = [
    "Cleaned",
    "HeadingMark",
    "RawPage",
    "clean_pages",
    "collapse_spaces",
    "join_hyphenated",
    "normalise_text",
    "split_paragraphs",
    "unwrap_lines",
]

_BULLET = re.compile(r"^\s*(?:[•●▪■◦‣∙·\-–*o§]|\(?[0-9]{1,3}[.)]|\(?[a-z][.)]|\([ivx]{1,5}\))\s+")
_SENTENCE_END = re.compile(r"[.!?:;)\]\"”’]\s*$")
_HYPHEN_BREAK = re.compile(r"([A-Za-z\u00c0-\u024f]+)-\n\s*([a-z\u00df-\u024f][\w'’]*)")
# Any other hyphen between a letter or digit and a line starting with one ("post-\n16",
# "non-\nEnglish", "16-\n19"): a compound or a range, so the hyphen stays and the break goes.
_COMPOUND_BREAK = re.compile(r"(?<=\w)-\n[ \t]*(?=\w)")
_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
_KEEP_HYPHEN_PREFIXES = frozenset(
    """multi non self co cross inter anti well ex post pre semi sub under over long short high
    low full part half mixed step great single first second third one two three four five
    six seven eight nine ten twelve day face child age race re de mid out off on up life
    year month week time risk decision place case family""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Cleaned:
    pages: tuple[Page, ...]
    blocks: tuple[Block, ...]
    warnings: tuple[str, ...] = ()


def normalise_text(text: str) -> str:
    """Line endings, spaces, ligatures, soft hyphens and invisible characters made plain.

    Keeps line breaks (callers decide what they mean); strips trailing spaces on each line.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n").replace("\f", "\n\n")
    text = text.replace(LINE_HYPHEN, "-\n").replace("\u00ad\n", "-\n").replace("\u00ad", "")
    text = text.replace("\x02\n", "-\n")  # older pdfium builds mark line-end hyphens so
    for odd, plain in (*LIGATURES.items(), *PRIVATE_BULLETS.items()):
        text = text.replace(odd, plain)
    if TRANSLATED.search(text):  # (most text holds none)
        text = text.translate(TRANSLATE)
    text = CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


def collapse_spaces(text: str) -> str:
    """Runs of whitespace (including line breaks) become one space."""
    return " ".join(text.split())


def join_hyphenated(text: str, vocabulary: Mapping[str, int] | None = None) -> str:
    """Join words split by a hyphen at a line break, keeping real hyphens.

    ``safe-\\nguarding`` becomes ``safeguarding``; ``multi-\\nagency`` stays ``multi-agency``.
    The evidence, in order: how the word is written elsewhere in the document (``vocabulary``:
    lower-cased word counts, by default counted from ``text`` itself) - hyphenated only, keep
    the hyphen; joined, join; neither - keep the hyphen after a common compound prefix
    ("multi", "non", "self", ...) and join otherwise, since typesetters split words, not
    compounds. Before a capital letter or a digit the hyphen is kept ("non-English", "16-19").
    """
    words = vocabulary if vocabulary is not None else word_counts(text)

    def repl(match: re.Match[str]) -> str:
        head, tail = match.group(1), match.group(2)
        hyphenated = f"{head}-{tail}".lower()
        joined = f"{head}{tail}".lower()
        if words.get(hyphenated, 0) > 0 and words.get(joined, 0) == 0:
            return f"{head}-{tail}"
        if words.get(joined, 0) > 0:
            return f"{head}{tail}"
        if head.lower() in _KEEP_HYPHEN_PREFIXES:
            return f"{head}-{tail}"
        return f"{head}{tail}"

    return _COMPOUND_BREAK.sub("-", _HYPHEN_BREAK.sub(repl, text))


def word_counts(text: str) -> dict[str, int]:
    """Lower-cased word counts of ``text``, leaving out words split at a line break."""
    unbroken = _HYPHEN_BREAK.sub(" ", text)
    counts: dict[str, int] = {}
    for word in _WORD.findall(unbroken.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs separated by blank lines, each unwrapped onto one line; empty ones dropped."""
    text = normalise_text(text)
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        para = collapse_spaces(join_hyphenated(chunk))
        if para:
            out.append(para)
    return out


def unwrap_lines(lines: Sequence[str]) -> list[str]:
    """Hard-wrapped lines (one PDF page, no blank lines) grouped into paragraphs.

    A line starts a new paragraph when it is a list item (bullet, "1.", "(a)"), or when the line
    before it ended a sentence and was clearly shorter than the page's full lines.
    """
    lines = [line.strip() for line in lines]
    full = _full_line_length(lines)
    paragraphs: list[list[str]] = []
    previous = ""
    for line in lines:
        if not line:
            if paragraphs and paragraphs[-1]:
                paragraphs.append([])
            previous = ""
            continue
        starts_new = (
            not paragraphs
            or not paragraphs[-1]
            or bool(_BULLET.match(line))
            or (bool(_SENTENCE_END.search(previous)) and len(previous) < 0.8 * full)
        )
        if starts_new and paragraphs and paragraphs[-1]:
            paragraphs.append([])
        if not paragraphs:
            paragraphs.append([])
        paragraphs[-1].append(line)
        previous = line
    return [collapse_spaces(" ".join(p)) for p in paragraphs if p]


def _full_line_length(lines: Sequence[str]) -> int:
    lengths = sorted(len(line) for line in lines if line)
    if not lengths:
        return 1
    return max(lengths[int(len(lengths) * 0.8)] if len(lengths) > 4 else lengths[-1], 1)


_FOOTNOTE = re.compile(r"^(\d{1,3})\s+\S")
MAX_FOOTNOTE_LINES = 20
MAX_LINES_PER_NOTE = 4


def split_footnotes(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """(body lines, footnotes) of a page whose last lines are numbered notes ("6 Working
    together to safeguard children 2023 ..."), so notes do not run into the last paragraph.

    The notes must start with consecutive numbers, sit below some body text and not continue
    a numbered list begun above them.
    """
    filled = [i for i, line in enumerate(lines) if line.strip()]
    start = None
    for k in reversed(filled[-MAX_FOOTNOTE_LINES:]):
        if k > filled[0] and _footnote_run(lines, k):
            start = k
    if start is None:
        return list(lines), []
    notes: list[list[str]] = []
    number = -1
    for line in lines[start:]:
        m = _FOOTNOTE.match(line.strip())
        if not notes or (m and int(m.group(1)) == number + 1):
            number = int(m.group(1)) if m else number
            notes.append([line])
        elif line.strip():
            notes[-1].append(line)
    return list(lines[:start]), [collapse_spaces(" ".join(note)) for note in notes]


def _footnote_run(lines: Sequence[str], k: int) -> bool:
    first = _FOOTNOTE.match(lines[k].strip())
    if not first:
        return False
    expected = int(first.group(1))
    filled = 1
    for line in lines[k + 1 :]:
        m = _FOOTNOTE.match(line.strip())
        if m and int(m.group(1)) != expected + 1:
            return False  # each note number once, in order
        expected += 1 if m else 0
        filled += 1 if line.strip() else 0
    notes = expected - int(first.group(1)) + 1
    if filled > MAX_LINES_PER_NOTE * notes:
        return False  # too much text for its notes: body text follows, not a note
    above = [line.strip() for line in lines[:k] if line.strip()]
    continues_list = any(
        (m := _FOOTNOTE.match(line)) and int(m.group(1)) == int(first.group(1)) - 1
        for line in above[-MAX_FOOTNOTE_LINES:]
    )
    return not continues_list


def is_list_item(text: str) -> bool:
    return bool(_BULLET.match(text))


# ----------------------------------------------------------------------------------------------
# Paged documents


def clean_pages(raw_pages: Sequence[RawPage], outline: Sequence[HeadingMark] = ()) -> Cleaned:
    """Cleaned pages and paragraph blocks for a paged document (PDF)."""
    page_lines = [normalise_text(p.text).split("\n") for p in raw_pages]
    page_lines, removed = remove_running_lines(
        page_lines, [p.index for p in raw_pages], [p.label for p in raw_pages]
    )
    vocabulary = word_counts("\n".join("\n".join(lines) for lines in page_lines))
    contents = set(find_contents_pages(page_lines, [p.index for p in raw_pages]))
    warnings: list[str] = []
    if contents:
        warnings.append(f"contents pages dropped: {_ranges(sorted(contents))}")
    if removed:
        warnings.append(f"running headers, footers and page numbers removed: {removed} lines")
    pages: list[Page] = []
    blocks: list[Block] = []
    placer = _HeadingPlacer(outline)
    for raw, lines in zip(raw_pages, page_lines, strict=True):
        text = join_hyphenated("\n".join(lines), vocabulary)
        lines = text.split("\n")
        if raw.index in contents:
            placer.skip_page(raw.index)
            page_blocks = []
            page_text = "\n\n".join(unwrap_lines(lines))
        else:
            page_blocks = placer.blocks_for_page(raw, lines)
            page_text = "\n\n".join(b.text for b in page_blocks)
        pages.append(Page(doc_id="", index=raw.index, label=raw.label, text=page_text))
        blocks.extend(page_blocks)
    return Cleaned(pages=tuple(pages), blocks=tuple(blocks), warnings=tuple(warnings))


def _ranges(numbers: Sequence[int]) -> str:
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(parts)


_NON_WORDS = re.compile(r"[^\w]+")
_GLUED_MARK = re.compile(r"(?<=[a-z])\d{1,3}$")  # a footnote mark glued on: "Mental health16"
_SECTION_NUMBERS = re.compile(r"^(\d+ )+")


def _key(text: str) -> str:
    """Lowercase words only, without leading section numbers ("2.1 Findings" -> "findings")."""
    key = _NON_WORDS.sub(" ", text.lower()).strip()
    if key[-1:].isdigit():  # (every \d is a digit: the patterns below need one there)
        key = _GLUED_MARK.sub("", key)
    return _SECTION_NUMBERS.sub("", key) if key[:1].isdigit() else key


def heading_matches(line: str, title: str, *, exact: bool = False) -> bool:
    """Whether a line of text is the outline entry ``title``: the same words (case, punctuation
    and section numbers aside), or - for titles of three words or more that the outline cut
    short - the line starting with them and not reading as a sentence."""
    return _keys_match(_key(line), _key(title), line, exact=exact)


def _keys_match(a: str, b: str, line: str, *, exact: bool) -> bool:
    if not a or not b:
        return False
    return a == b or (
        not exact
        and len(b.split()) >= 3
        and a.startswith(b + " ")
        and len(a) <= 2 * len(b) + 20
        and not line.rstrip().endswith((".", ",", ";"))
    )


class _HeadingPlacer:
    """Turns a page's lines into blocks, marking outline headings where their title appears."""

    def __init__(self, outline: Sequence[HeadingMark]) -> None:
        self._pending = sorted(outline, key=lambda h: h.page_index)
        self._path: list[tuple[int, str]] = []
        self._title_keys: dict[str, str] = {}  # an outline title's key, computed once

    def skip_page(self, page_index: int) -> None:
        for mark in [m for m in self._pending if m.page_index == page_index]:
            self._enter(mark)
            self._pending.remove(mark)

    def blocks_for_page(self, raw: RawPage, lines: list[str]) -> list[Block]:
        marks = [m for m in self._pending if m.page_index == raw.index]
        self._pending = [m for m in self._pending if m.page_index != raw.index]
        lines, notes = split_footnotes(lines)
        out: list[Block] = []
        body: list[str] = []
        i = 0
        while i < len(lines):
            found = self._match_heading(lines, i, marks)
            if found is None:
                body.append(lines[i])
                i += 1
                continue
            mark, used = found
            out.extend(self._paragraphs(raw, body))
            body = []
            marks.remove(mark)
            # the heading as the page prints it (the outline's wording may differ slightly)
            mark = HeadingMark(mark.page_index, mark.level, " ".join(lines[i : i + used]))
            self._enter(mark)
            out.append(self._block(raw, mark.title, "heading", mark.level, self._titles()[:-1]))
            i += used
        out.extend(self._paragraphs(raw, body))
        out.extend(self._block(raw, note, "paragraph", 0, self._titles()) for note in notes)
        for mark in marks:  # outline entries whose title was not found in the text
            self._enter(mark)
        return out

    def _match_heading(
        self, lines: list[str], i: int, marks: list[HeadingMark]
    ) -> tuple[HeadingMark, int] | None:
        if not marks or not lines[i].strip():
            return None
        windows = []
        for used in (1, 2, 3):
            if i + used <= len(lines):
                text = " ".join(lines[i : i + used])
                windows.append((used, text, _key(text)))
        titles = [(mark, self._title_key(mark.title)) for mark in marks]
        for exact in (True, False):  # an exact match anywhere beats a shortened title
            for used, text, key in windows:
                for mark, title_key in titles:
                    if _keys_match(key, title_key, text, exact=exact):
                        return mark, used
        return None

    def _title_key(self, title: str) -> str:
        if title not in self._title_keys:
            self._title_keys[title] = _key(title)
        return self._title_keys[title]

    def _enter(self, mark: HeadingMark) -> None:
        while self._path and self._path[-1][0] >= mark.level:
            self._path.pop()
        self._path.append((mark.level, collapse_spaces(mark.title)))

    def _titles(self) -> tuple[str, ...]:
        return tuple(title for _, title in self._path)

    def _paragraphs(self, raw: RawPage, lines: list[str]) -> list[Block]:
        return [
            self._block(raw, para, "list" if is_list_item(para) else "paragraph", 0, self._titles())
            for para in unwrap_lines(lines)
        ]

    @staticmethod
    def _block(raw: RawPage, text: str, kind: str, level: int, path: tuple[str, ...]) -> Block:
        return Block(
            text=collapse_spaces(text),
            page_index=raw.index,
            page_label=raw.label,
            heading_path=path,
            kind=kind,  # type: ignore[arg-type]
            level=level,
        )
