"""Faster ingest, same output: each rewrite made for speed in preparing files and pooling unit
vectors (ADR 0026) against the code it replaced, kept here as the reference, over seeded random
and adversarial inputs.

(Theme tagging has its own: tests/test_theme_screen.py. ``benchmarks/ingest_outputs.py`` compares
whole preparations of two checkouts: chunks, pages, blocks, themes.)
"""

from __future__ import annotations

import random
import re
import sys
import unicodedata

import numpy as np
import pytest

from assistant.embedding import pooling
from assistant.text import tokens
from ingest import characters, chunking, cleaning, pagelines
from ingest.loaders import pdf_headings
from ingest.model import Block

# --- references: the code before the speed changes -----------------------------------------------


def reference_contents_entry(line: str) -> str | None:
    m = re.compile(r"[^\W\d].*?[\s.·…_](?P<num>\d{1,4}|[ivxlc]{1,6})$").search(line)
    return m.group("num") if m else None


def reference_key(text: str) -> str:
    key = re.sub(r"[^\w]+", " ", text.lower()).strip()
    key = re.sub(r"(?<=[a-z])\d{1,3}$", "", key)
    return re.sub(r"^(\d+ )+", "", key)


def reference_last_digit(piece: str) -> int:
    return next((k for k in range(len(piece) - 1, -1, -1) if piece[k].isdigit()), -1)


def reference_normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n\n").replace("\f", "\n\n")
    text = text.replace("\ufffe", "-\n").replace("\u00ad\n", "-\n").replace("\u00ad", "")
    text = text.replace("\x02\n", "-\n")
    for odd, plain in (*characters.LIGATURES.items(), *characters.PRIVATE_BULLETS.items()):
        text = text.replace(odd, plain)
    text = text.translate(characters.TRANSLATE)  # always, where the new code searches first
    text = characters.CONTROL.sub("", text)
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n"))


# --- inputs ---------------------------------------------------------------------------------------

SPICE = (
    "abcxivlXIV 0123456789._…·-–\t\u00a0\u2009\u3000²³¹٣۵߄"
    "İıſK\u00ad\ufffe\x02\u200b\ufeff\U000e0041\u202e\r\n\f\u2028\u2029ﬁ\uf0b7é\u0301"
)


def random_texts(seed: int, count: int, longest: int, alphabet: str = SPICE) -> list[str]:
    rng = random.Random(seed)
    words = ["Contents", "Page", "Annex", "2.1", "Findings", "health16", "the", "…", "...."]
    out = []
    for _ in range(count):
        parts = []
        for _ in range(rng.randint(0, longest)):
            if rng.random() < 0.3:
                parts.append(rng.choice(words))
            else:
                parts.append(rng.choice(alphabet))
        out.append("".join(parts))
    return out


LINES = random_texts(1, 4000, 24) + [
    "Introduction 4",
    "Annex A: the legislation .............. 112",
    "Part two: xiv",
    "2.1 Findings and what they mean 12",
    "Contents",
    "A long line that does not end in a page number " * 4,
    "Title 12345",
    "×1 12",
]


# --- the rewrites ---------------------------------------------------------------------------------


def test_contents_entries_are_read_as_before() -> None:
    entries = 0
    for line in LINES:
        filled = line.strip()
        if not filled[-1:].isalnum():
            continue
        found = pagelines._contents_entry(filled)
        assert (found.group("num") if found else None) == reference_contents_entry(filled), filled
        entries += found is not None
    assert entries > 100  # lines that are entries and lines that are not were both compared


def test_heading_keys_are_made_as_before() -> None:
    texts = LINES + ["Mental health16", "2.1 Findings", "12", "1 2 3", "Health 2024"]
    for text in texts:
        assert cleaning._key(text) == reference_key(text), text
    assert cleaning._key("2.1 Findings") == "findings"
    assert cleaning._key("Mental health16") == "mental health"


def test_last_digit_of_a_line_is_found_as_before() -> None:
    for text in LINES + ["x²", "abc٣def", "12 ³", "no digits", ""]:
        assert pdf_headings._last_digit(text) == reference_last_digit(text), text
    assert [pdf_headings._last_digit(t) for t in ("x²", "12 ³a", "a1b", "none")] == [1, 3, 1, -1]


def test_normalised_text_is_the_same() -> None:
    every_translated = "".join(chr(c) for c in characters.TRANSLATE)
    texts = [*LINES, every_translated, "plain ascii text", "café ﬁle"]
    texts += random_texts(2, 500, 60, alphabet=SPICE + every_translated[::7])
    for text in texts:
        assert cleaning.normalise_text(text) == reference_normalise(text), repr(text)
    assert sum(bool(characters.TRANSLATED.search(t)) for t in texts) > 100  # both ways compared


def test_strip_removes_exactly_what_isspace_accepts() -> None:
    """A line's first and last visible characters are found with strip() (pdf_headings)."""
    spaces = 0
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (char.strip() == "") == char.isspace(), hex(code)
        spaces += char.isspace()
    assert spaces > 20  # tab, newline, no-break space, the em space, the ideographic space...


def test_unit_token_counts_are_the_counts_of_their_text() -> None:
    """Chunking reuses a sentence's count when it is not cut: every unit's count is still its
    text's count, for sentences kept whole and cut between words or characters."""
    long_sentence = " ".join(f"word{i}" for i in range(400)) + "."
    huge_word = "x" * 3000
    blocks = [
        Block(text="A short sentence. Another one follows it.", page_index=1, page_label="1"),
        Block(text=long_sentence, page_index=1, page_label="1"),
        Block(text=f"See {huge_word} here.", page_index=2, page_label="2"),
    ]
    units = chunking._units(blocks, 64)
    assert len(units) > 10
    for unit in units:
        assert unit.tokens == tokens.count(unit.text)
        assert unit.tokens <= 64


@pytest.mark.parametrize(
    "section",
    [
        (),
        ("Introduction",),
        ("Part one", "  ", "Chapter 2: safeguarding", "2.1 Findings"),
        tuple(f"Heading number {i} with several words in it" for i in range(12)),
        ("A" * 500,),
    ],
)
def test_heading_prefix_is_the_same_cached(section: tuple[str, ...]) -> None:
    uncached = chunking._prefix.__wrapped__(section)
    assert chunking.heading_prefix(section) == uncached
    assert chunking.heading_prefix(list(section)) == uncached  # any sequence, same answer
    assert tokens.count(uncached) <= chunking.PREFIX_MAX_TOKENS


def test_the_normalised_view_of_a_chunk_is_the_same() -> None:
    texts = random_texts(3, 2000, 30, alphabet=SPICE + " \u2003\u00a0\x1c\x85*_")
    texts += ["", "   ", "one", " two  words ", "**bold** and __under__ and ** alone", "a\u3000b"]
    plain = sum("**" not in t and "__" not in t for t in texts)
    assert plain > 500  # both ways are compared
    for text in texts:  # the word-by-word way (the only one before) is the reference
        assert pooling.normalised(text) == pooling._marked_view(text), repr(text)


def test_word_piece_rows_are_found_as_before() -> None:
    rng = random.Random(4)
    for _ in range(300):
        count = rng.randint(0, 12)
        offsets = np.zeros((count + 2, 2), dtype=np.int64)
        at = 0
        for i in range(1, count + 1):
            width = rng.randint(0, 4)  # zero width: a piece that is not counted
            offsets[i] = (at, at + width)
            at += width + rng.randint(0, 2)
        text = "".join(rng.choice("ab .") for _ in range(at + 5))
        pieces = pooling._Pieces(offsets)
        for _ in range(5):
            spans = [(a, a + rng.randint(0, 6)) for a in rng.sample(range(at + 3), 2)]
            for given in (text, ""):
                want = _reference_rows(offsets, spans, given)
                got = pieces.rows(spans, given)
                assert (got is None) == (want is None)
                assert got is None or got.tolist() == want.tolist()  # type: ignore[union-attr]


def _reference_rows(offsets: np.ndarray, spans: list[tuple[int, int]], text: str) -> object:
    real = offsets[:, 1] > offsets[:, 0]
    if not real.any():
        return None
    read = int(offsets[real, 1].max())
    word = re.compile(r"[^\W_]")
    if any(end > read and (not text or word.search(text, read, end)) for _, end in spans):
        return None
    hit = np.zeros(len(offsets), dtype=bool)
    for start, end in spans:
        hit |= real & (offsets[:, 0] < end) & (offsets[:, 1] > start)
    rows = np.flatnonzero(hit)
    return rows if len(rows) else None
