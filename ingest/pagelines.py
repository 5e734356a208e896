"""Page furniture: running headers/footers, page-number lines and contents pages.

Works on the lines of each page of a paged document. Pure functions.

Running lines: the first and last few non-empty lines of every page are compared across pages.
A line is furniture when (a) the same text (case and spacing ignored) sits at a page edge on
enough pages, or (b) it carries a number that follows the page sequence (``index + offset``) on
enough pages, with the rest of the line the same - "Page 12 of 40", "12", "xii",
"Keeping children safe 2025 | 12". Matching numbers to the page sequence, rather than treating
every digit as a wildcard, keeps lines such as "Recommendation 3" at the top of a page.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

EDGE_LINES = 3  # lines inspected at the top and at the bottom of each page


@dataclass(frozen=True)
class RawPage:
    """One page as a loader read it: physical index (1-based), printed label, raw text."""

    index: int
    label: str
    text: str


@dataclass(frozen=True)
class HeadingMark:
    """An outline (bookmark) entry: a heading that starts on a page. Level 1 is outermost."""

    page_index: int
    level: int
    title: str


_ROMAN = re.compile(r"^(?=[ivxlcdm]+$)m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_NUMBER = re.compile(r"\d+|\b[ivxlcdm]+\b", re.IGNORECASE)
_PAGE_NUMBER_ONLY = re.compile(
    r"^(?:page\s+)?[-–—(\[]?\s*(\d{1,4}|[ivxlcdm]{1,7})\s*[-–—)\]]?(?:\s*(?:of|/)\s*\d{1,4})?$",
    re.IGNORECASE,
)


def _norm(line: str) -> str:
    return " ".join(line.lower().split())


def roman_to_int(text: str) -> int | None:
    text = text.lower()
    if not text or not _ROMAN.match(text):
        return None
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    for a, b in zip(text, text[1:] + " ", strict=True):
        v = values[a]
        total += -v if b != " " and values[b] > v else v
    return total


def _edge_positions(lines: Sequence[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    edge = filled[:EDGE_LINES] + filled[-EDGE_LINES:]
    return sorted(set(edge))


def _numbers(line: str) -> list[tuple[int, int, int]]:
    """(value, start, end) of each arabic or roman number in the line."""
    out = []
    for m in _NUMBER.finditer(line):
        token = m.group(0)
        value = int(token) if token.isdigit() else roman_to_int(token)
        if value is not None and (token.isdigit() or len(token) <= 7):
            out.append((value, m.start(), m.end()))
    return out


def _threshold(page_count: int) -> int:
    """How many pages a line must sit at an edge of to count as running (at least 2)."""
    if page_count <= 3:
        return max(page_count, 2)
    return max(3, round(page_count * 0.08))


def remove_running_lines(
    page_lines: Sequence[Sequence[str]],
    indexes: Sequence[int],
    labels: Sequence[str] | None = None,
) -> tuple[list[list[str]], int]:
    """Lines with running headers, footers and page numbers removed; and how many went."""
    labels = labels if labels is not None else [str(i) for i in indexes]
    exact: Counter[str] = Counter()
    sequenced: dict[tuple[str, int, bool], set[int]] = defaultdict(set)
    for lines, index, label in zip(page_lines, indexes, labels, strict=True):
        seen: set[str] = set()
        for pos in _edge_positions(lines):
            text = _norm(lines[pos])
            if text and text not in seen:
                exact[text] += 1
                seen.add(text)
            for key in _sequence_keys(text, index, label):
                sequenced[key].add(index)
    need = _threshold(len(page_lines))
    running_exact = {text for text, n in exact.items() if n >= need}
    running_seq = {key for key, pages in sequenced.items() if len(pages) >= need}
    removed = 0
    out: list[list[str]] = []
    for lines, index, label in zip(page_lines, indexes, labels, strict=True):
        edge = set(_edge_positions(lines))
        kept = []
        for pos, line in enumerate(lines):
            text = _norm(line)
            if pos in edge and (
                text in running_exact
                or any(k in running_seq for k in _sequence_keys(text, index, label))
            ):
                removed += 1
                continue
            kept.append(line)
        out.append(kept)
    return out, removed


def _sequence_keys(text: str, index: int, label: str) -> list[tuple[str, int, bool]]:
    """Keys under which a line counts as the same line on another page.

    One per number in the line: (line with that number blanked, number - physical index,
    roman?), so "Page 12" on page 14 and "Page 13" on page 15 share a key. And one for the
    page's printed label where the line contains it: (line with the label blanked, 0, True),
    so "Page iv" and "Page 7" share a key when those are the pages' labels.
    """
    if len(text) > 120:
        return []
    keys = []
    for value, start, end in _numbers(text):
        if not _at_line_edge(text, start, end):
            continue
        template = text[:start] + "#" + text[end:]
        keys.append((template, value - index, not text[start:end].isdigit()))
    label = _norm(label)
    if label:
        m = re.search(rf"(?<!\w){re.escape(label)}(?!\w)", text)
        if m and _at_line_edge(text, m.start(), m.end()):
            keys.append((text[: m.start()] + "#" + text[m.end() :], 0, True))
    return keys


def _at_line_edge(text: str, start: int, end: int) -> bool:
    """Page numbers open or close a line ("12 | Title", "Title 12"), or read "12 of 40"."""
    before, after = text[:start].strip(), text[end:].strip()
    return (
        not after
        or not re.search(r"\w", before)
        and not re.match(r"[a-z]", after)
        or bool(re.fullmatch(r"(of|/)\s*\d{1,4}", after))
        or not re.search(r"\w", after)
        or bool(re.match(r"[|•·–—-]", after))
    )


def printed_page_numbers(
    page_lines: Sequence[Sequence[str]], indexes: Sequence[int], *, roman: bool = False
) -> dict[int, int]:
    """Physical index -> page number printed alone on an edge line ("12", "Page 12 of 40",
    "- xii -"), arabic or (``roman=True``) roman, where the numbers follow one consistent
    sequence (same offset from the physical index) on at least half of the pages printing one."""
    found: dict[int, int] = {}
    offsets: Counter[int] = Counter()
    for lines, index in zip(page_lines, indexes, strict=True):
        for pos in _edge_positions(lines):
            m = _PAGE_NUMBER_ONLY.match(_norm(lines[pos]))
            token = m.group(1) if m else ""
            value = (roman_to_int(token) if roman else None) if not token.isdigit() else None
            if token.isdigit() and not roman:
                value = int(token)
            if value is not None and index not in found:
                offsets[value - index] += 1
                found[index] = value
    if not offsets:
        return {}
    offset, count = offsets.most_common(1)[0]
    if count < max(2, len(found) // 2):
        return {}
    return {i: n for i, n in found.items() if n - i == offset}


def to_roman(value: int) -> str:
    out = ""
    for number, numeral in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):  # fmt: skip
        while value >= number:
            out += numeral
            value -= number
    return out


# a contents entry: some words, then a page number after a space or dotted leaders
_CONTENTS_LINE = re.compile(r"[^\W\d].*?[\s.·…_](?P<num>\d{1,4}|[ivxlc]{1,6})$")
# The same entry, its first word character found once: searching the pattern above from every
# later start costs time quadratic in a line's length where no entry ends it, and a later start
# cannot succeed where the first failed. It differs only for text holding a line break.
_CONTENTS_LINE_ANCHORED = re.compile(r"^[\W\d]*+[^\W\d].*?[\s.·…_](?P<num>\d{1,4}|[ivxlc]{1,6})$")
_LEADER = re.compile(r"(?:\.\s*){4,}|…{2,}|_{4,}")


def find_contents_pages(page_lines: Sequence[Sequence[str]], indexes: Sequence[int]) -> list[int]:
    """Physical indexes of table-of-contents pages.

    A page is a contents page when most of its lines end in a page number (after dotted
    leaders or a space), those numbers mostly increase, and either the page says "contents"
    near its top, has dotted leaders, or follows a contents page. Only the first third of a
    document is searched, so tables of figures deep inside are left alone.
    """
    found: list[int] = []
    limit = max(3, len(page_lines) // 3 + 1)
    for lines, index in list(zip(page_lines, indexes, strict=True))[:limit]:
        if _looks_like_contents(
            lines, previous_was_contents=bool(found) and found[-1] == index - 1
        ):
            found.append(index)
    return found


def _contents_entry(line: str) -> re.Match[str] | None:
    pattern = _CONTENTS_LINE if "\n" in line else _CONTENTS_LINE_ANCHORED
    return pattern.search(line)


def _looks_like_contents(lines: Sequence[str], *, previous_was_contents: bool) -> bool:
    filled = [line.strip() for line in lines if line.strip()]
    if len(filled) < 4:
        return False
    numbers = []
    for line in filled:
        m = _contents_entry(line) if line[-1:].isalnum() else None
        if m:
            token = m.group("num")
            value = int(token) if token.isdigit() else roman_to_int(token)
            if value is not None:
                numbers.append(value)
    share = len(numbers) / len(filled)
    rising = sum(1 for a, b in zip(numbers, numbers[1:], strict=False) if b >= a)
    mostly_rising = len(numbers) > 1 and rising >= 0.8 * (len(numbers) - 1)
    titled = any(re.match(r"^(table of )?contents\b", line, re.IGNORECASE) for line in filled[:4])
    leaders = sum(1 for line in filled if _LEADER.search(line)) >= 0.4 * len(filled)
    # entries that wrap onto a second line lower the share of numbered lines
    return (
        len(numbers) >= 4
        and share >= (0.45 if titled or leaders else 0.6)
        and mostly_rising
        and (titled or leaders or previous_was_contents)
    )
