"""The screened theme tagger gives exactly the tags of searching every phrase pattern.

``reference_tag`` below is the tagger as it was before the screen (every theme's patterns
searched over every text); ``ingest.themes.tag`` must agree with it on the demo library, the real
corpus (when ../shared is present), adversarial strings and seeded random texts. The screen's two
soundness facts are checked directly: needles read from a pattern, and case folding over every
Unicode code point.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.settings import Settings
from ingest.chunking import chunk_document
from ingest.loaders import load
from ingest.phrase_screen import NEEDLE_CHARS, Screen, fold, needles, screened
from ingest.themes import MAX_EVIDENCE, MIN_SCORE, STRONG, TAXONOMY, WEAK, Theme, tag
from tests.conftest import DEMO_LIBRARY

# --- the reference: every pattern searched, as the tagger did before the screen -----------------


def reference_tag(text: str) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    themes: list[str] = []
    evidence: dict[str, tuple[str, ...]] = {}
    for theme in TAXONOMY:
        found = _reference_evidence(theme, text)
        if found:
            themes.append(theme.theme_id)
            evidence[theme.theme_id] = found
    return tuple(themes), evidence


def _reference_evidence(theme: Theme, text: str) -> tuple[str, ...]:
    either = theme.any_rule()
    if either is None or either.search(text) is None:
        return ()
    blocked = [m.span() for _, pattern in theme.rules("exclude") for m in pattern.finditer(text)]
    score = 0
    found: list[str] = []
    for kind, weight in (("strong", STRONG), ("weak", WEAK)):
        for _phrase, pattern in theme.rules(kind):
            for match in pattern.finditer(text):
                start, end = match.span()
                if any(start < e and s < end for s, e in blocked):
                    continue
                blocked.append((start, end))
                score += weight
                surface = " ".join(match.group(0).lower().split())
                if surface not in found:
                    found.append(surface)
                break
    return tuple(found[:MAX_EVIDENCE]) if score >= MIN_SCORE else ()


def assert_same_tags(texts: Sequence[str]) -> int:
    """tag() equals the reference on every text; returns how many texts carried a theme."""
    tagged = 0
    for text in texts:
        found = tag(text)
        assert (found.themes, dict(found.evidence)) == reference_tag(text), text[:200]
        tagged += bool(found.themes)
    return tagged


# --- libraries ------------------------------------------------------------------------------------


def _texts_of(paths: Sequence[Path]) -> list[str]:
    """What tagging reads (heading path + chunk text) for every chunk, plus each page's text."""
    settings = Settings(_env_file=None)
    texts: list[str] = []
    for path in paths:
        loaded = load(path, settings)
        for chunk in chunk_document("d", loaded.blocks, target=256, overlap=32):
            texts.append(" › ".join(chunk.section) + "\n" + chunk.text)
        texts.extend(page.text for page in loaded.pages)
    return texts


def test_demo_library_tags_equal_the_reference() -> None:
    texts = _texts_of(sorted(DEMO_LIBRARY.glob("*.md")))
    assert len(texts) > 100
    assert assert_same_tags(texts) > 50  # the comparison covers many tagged texts


def test_real_corpus_tags_equal_the_reference(real_pdfs: Path) -> None:
    texts = _texts_of(sorted(real_pdfs.iterdir()))
    assert len(texts) > 700
    assert assert_same_tags(texts) > 500


ADVERSARIAL = [
    "RACISM and Racism and rAcIsM were named.",
    "raci\u017fm was named; structural raci\u017fm too.",  # long s matches "s" ignoring case
    "RAC\u0130SM, rac\u0131sm and racism: dotted and dotless i.",
    "\u212aNIFE CRIME and county lines in the borough.",  # Kelvin sign matches "k"
    "Anti-racist, anti racism, antiracism; colour-blind, colorblind and color blind practice.",
    "The non-accidental injury to a non\u2011mobile baby; a non–mobile infant with bruising.",
    "schools’ and school's and schools\u2019 pupils; the pupil's teacher.",
    "The child\u2019s voice, the childs voice, the child's voice and children's voices.",
    "mixed\nheritage, mixed  heritage, mixed heritage and MIXED HERITAGE.",
    "policeman policewoman police-led; officers arrested him; cardiac arrest.",
    "racism\u0301 racisms racist's race-based raceway racecourse, the human race, arms race.",
    "Ｒａｃｉｓｍ in full width; ＳＣＨＯＯＬ; ﬁrst language (a ligature).",
    "Interpreters of the law; the interpreter the family needed; interpreting for the mother.",
    "He neglected to say; neglectful care; neglect. The worker neglected to record it.",
    "safeguarding partners, safeguarding children's partnerships, partner agencies, partners.",
    "Black, Asian and minority ethnic children; black and minority ethnic; Black mould.",
    "ß STRASSE straße \u1e9e; İstanbul; ǅ ǆ Ǆ; σς Σ.",
    "",
    "\u0000\u00ad soft\u00adhyphen racism\u200b racism",
    "EAL pupils, eal, GP, GPs, gps, NRPF, nrpf, CSE, cse, CCE, DSL, MASH, NAI.",
    "0-19 service; 0–19 teams; the 0-19 Service; under-ones; under ones.",
    "faith-based, faith based, faith groups, good faith, bad faith, religious, religion.",
]


def test_adversarial_strings_tag_as_the_reference() -> None:
    assert assert_same_tags(ADVERSARIAL) >= 15


def test_seeded_random_texts_tag_as_the_reference() -> None:
    """Texts built from the patterns' own needles, joined and decorated at random, so matches,
    near misses, excluded spans and overlaps all occur."""
    rng = random.Random(9)
    words = sorted(
        {n for t in TAXONOMY for k in ("strong", "weak", "exclude") for n in _needles(t, k)}
    )
    words += ["the", "child", "was", "not", "never", "about", "of", "s", "es", "ed", "ing", "ren"]
    joins = [" ", "  ", "-", "\u2011", "'", "\u2019", "\n", "", ", ", ". "]
    variants = [str.lower, str.upper, str.title, lambda w: w.replace("s", "\u017f")]
    texts = []
    for _ in range(1500):
        parts = []
        for _ in range(rng.randint(2, 14)):
            parts.append(rng.choice(variants)(rng.choice(words)))
            parts.append(rng.choice(joins))
        texts.append("".join(parts))
    assert assert_same_tags(texts) > 200


def _needles(theme: Theme, kind: str) -> list[str]:
    return [n.strip() for _, pattern in theme.rules(kind) for n in screened("", pattern).needles]


# --- the screen's soundness ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("racism", ("racism",)),
        (r"\b(?:colou?r[- ]?blind(?:ness)?)\b", ("blind",)),
        (r"(?:mixed|dual) heritage", (" heritage",)),
        (r"bab(?:y|ies)", ("bab",)),
        (r"probe|probing", ("prob",)),
        (r"(?:step|birth)fathers?", ("father",)),  # the longest run, not the alternation
        (r"(?:health|school) nurs\w*", ("health", "school")),  # longer needles win
        (r"(?:x|y|z)", ("x", "y", "z")),
        (r"(?:abc|)", ()),  # an empty alternative: nothing is certain
        (r"(?:abc)?", ()),
        (r"\w+\s+\d+", ()),
        (r"(?=racism)\w+", ()),  # lookarounds are not relied on
        (r"[^a]bc", ("bc",)),
        (r"RACISM", ("racism",)),  # case-insensitive patterns: needles are lower case
        (r"caf\u00e9", ("caf",)),  # non-ASCII letters are left out of needles
        (r"(?:abc\d)+", ("abc",)),  # a part repeated at least once
    ],
)
def test_needles_are_runs_every_match_contains(pattern: str, expected: tuple[str, ...]) -> None:
    assert needles(pattern) == expected


def test_every_taxonomy_match_contains_one_of_its_needles() -> None:
    """Over the demo library, each match of each pattern holds one of its needles (folded)."""
    texts = _texts_of(sorted(DEMO_LIBRARY.glob("*.md")))[:150] + ADVERSARIAL
    checked = 0
    for theme in TAXONOMY:
        for kind in ("strong", "weak", "exclude"):
            for phrase, pattern in theme.rules(kind):
                rule = screened(phrase, pattern)
                for text in texts:
                    for match in pattern.finditer(text):
                        checked += 1
                        assert rule.needles, phrase  # every taxonomy pattern has needles
                        assert any(n in fold(match.group(0)) for n in rule.needles), phrase
    assert checked > 1000


def test_folding_matches_ignorecase_for_every_code_point() -> None:
    """Every character that re.IGNORECASE matches with a needle character folds to it."""
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    for char in sorted(NEEDLE_CHARS):
        matched = re.findall(re.escape(char), every, re.IGNORECASE)
        assert matched, char
        for found in matched:
            assert fold(found) == char, (char, hex(ord(found)))
    # and the ones that make a plain lower() unsafe are among them
    assert {fold("\u0130"), fold("\u0131"), fold("\u017f"), fold("\u212a")} == {"i", "s", "k"}


def test_screen_never_drops_a_pattern_that_matches() -> None:
    rules = [screened(p, re.compile(rf"\b(?:{p})\b", re.IGNORECASE)) for p in ("racism", "dad\\w*")]
    screen = Screen.of(rules)
    assert screen.candidates(fold("RACI\u017fM and Dads")) == {0, 1}
    assert screen.candidates(fold("nothing here")) == set()
    assert Screen.of([screened("w", re.compile(r"\w+"))]).candidates("") == {0}  # no needles
