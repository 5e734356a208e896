"""The three normal forms of ``assistant.text.normalisation`` fold different things, by name."""

from __future__ import annotations

from assistant.text.normalisation import collapsed_whitespace, plain_punctuation, quote_key

SAMPLE = "“Eﬃcient”  **care** —\u00a0it’s\nco\u00adordinated `here`"


def test_quote_key_folds_compatibility_forms_quotes_dashes_soft_hyphens_and_emphasis() -> None:
    assert quote_key(SAMPLE) == '"Efficient" care - it\'s coordinated here'


def test_plain_punctuation_folds_quotes_dashes_and_spaces_only() -> None:
    assert plain_punctuation(SAMPLE) == '"Eﬃcient" **care** - it\'s co\u00adordinated `here`'


def test_collapsed_whitespace_keeps_punctuation_and_emphasis() -> None:
    assert collapsed_whitespace(SAMPLE) == "“Efficient” **care** — it’s co\u00adordinated `here`"


def test_a_quote_verifies_against_its_source_whatever_the_presentation() -> None:
    source = "The panel found that the child’s voice was “not heard” — repeatedly."
    quoted = 'the child\'s voice was "not heard" - repeatedly'
    assert quote_key(quoted) in quote_key(source)
    assert collapsed_whitespace(quoted) not in collapsed_whitespace(source)
