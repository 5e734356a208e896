"""Faster unit making, same units (ADR 0027): ``is_context`` searches a lower-cased ASCII text
without IGNORECASE, and a block's sentences and a text's answer are kept. Each is checked against
the code it replaced, kept here as the reference."""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import pytest

from assistant.text import units
from assistant.text.normalisation import unemphasised
from assistant.text.sentences import sentence_spans

DEMO = Path(__file__).resolve().parents[1] / "library" / "demo"


def reference_is_context(text: str) -> bool:
    return bool(units._ABOUT_DOCUMENT.search(text) or units._CROSS_REFERENCE.match(text))


def reference_sentences(block: units._Block) -> list[str]:
    spans = sentence_spans(unemphasised(block.text), lines_break=False)
    found = [units.clean(s.text) for s in spans]
    if found:
        found[0] = units._NOTE_NUMBER.sub("", found[0], count=1)
    return [s for s in found if s]


# phrases the pattern looks for, and near misses
PHRASES = [
    "This briefing relies on the published review",
    "this summary is not the official text",
    "The present document was prepared by volunteers",
    "Our précis paraphrases the report",
    "Page numbers are not given",
    "not the official publication",
    "Check the original publication before quoting",
    "a demo library note",
    "adapted for this library",
    "It contains public sector information licensed under the Open Government Licence",
    "The web address could not be confirmed",
    "see the address above",
    "the review itself was not available",
    "only one chapter was available",
    "should be checked against the originals",
    "This chapter describes the duties",
    "See also the briefing on adultification",
    "The document relies on nothing",
    "thisbriefing relies",
    "this briefings was written",
]
# characters IGNORECASE equates with ASCII letters, and other non-ASCII text
ODD = ["K", "ſ", "ı", "İ", "É", "é", "’", "\u00a0", "ß", "ﬁ"]


def _variants(rng: random.Random, phrase: str) -> str:
    chars = list(phrase)
    for _ in range(rng.randint(0, 3)):
        at = rng.randrange(len(chars))
        pick = rng.random()
        if pick < 0.4:
            chars[at] = chars[at].swapcase()
        elif pick < 0.7:
            chars[at] = rng.choice(ODD)
        else:
            chars.insert(at, rng.choice(" .,;:-\n"))
    text = "".join(chars)
    return text.upper() if rng.random() < 0.2 else text


def test_is_context_answers_as_the_reference() -> None:
    rng = random.Random(27)
    texts = list(PHRASES)
    texts += [p.upper() for p in PHRASES] + [p.replace("s", "ſ") for p in PHRASES]
    texts += [p.replace("k", "K").replace("i", "ı") for p in PHRASES]
    texts += [_variants(rng, rng.choice(PHRASES)) for _ in range(3000)]
    texts += [
        "Before. " + a + " and " + b.lower()
        for a, b in zip(PHRASES, reversed(PHRASES), strict=True)
    ]
    hits = 0
    for text in texts:
        expected = reference_is_context(text)
        assert units.is_context(text) == expected, text
        assert units.is_context(text) == expected, text  # and again, from the kept answer
        hits += expected
    assert 0 < hits < len(texts)  # the inputs exercise both answers


def _demo_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(DEMO.glob("*.md"))]
    if not texts:
        pytest.skip("library/demo has no Markdown files")
    return texts


def test_units_are_those_of_the_uncached_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _demo_texts()
    pieces = [t.split("\n\n") for t in texts]
    inputs = [*texts, *("\n\n".join(p[i : i + 6]) for p in pieces for i in range(0, len(p), 3))]
    made = [units.units(t) for t in inputs]
    read_on = [units.units_read_on(a, b) for a, b in itertools.pairwise(inputs)]
    assert sum(len(u) for u in made) > 500
    assert any(u.context for found in made for u in found)
    monkeypatch.setattr(units, "_about_document", lambda t: bool(units._ABOUT_DOCUMENT.search(t)))
    monkeypatch.setattr(units, "_sentences", reference_sentences)
    assert [units.units(t) for t in inputs] == made
    assert [units.units_read_on(a, b) for a, b in itertools.pairwise(inputs)] == read_on


def test_kept_sentences_cannot_be_changed_by_a_caller() -> None:
    block = units._Block("It was late. The review found gaps. They were closed.", "paragraph", 0)
    first = units._sentences(block)
    first.append("changed")
    assert units._sentences(block) == reference_sentences(block)


def test_the_lowered_pattern_has_no_upper_case_letter() -> None:
    # the ASCII shortcut relies on it: a capital in the pattern would never match lowered text
    pattern = units._ABOUT_DOCUMENT_LOWER.pattern
    assert pattern == pattern.lower()
    assert not units._ABOUT_DOCUMENT_LOWER.flags & re.IGNORECASE
