"""Normal forms of text for comparisons, each named for what it folds (one module, three forms).

- ``quote_key``: the form a quote and its source are compared in when a citation is verified
  (``assistant.citations``): NFKC, curly quotes and dash variants made plain, soft hyphens and
  Markdown emphasis markers removed, whitespace collapsed. ``assistant.text.quotable`` removes the
  same presentational marks when it cuts sentences, so its sentences verify.
- ``plain_punctuation``: curly quotes, en and em dashes and no-break spaces made plain, whitespace
  collapsed, nothing else (the output checks and the LLM answerer's quoted-span checks).
- ``collapsed_whitespace``: NFKC and whitespace collapsed, nothing else (the evals' verbatim check).
"""

from __future__ import annotations

import re
import unicodedata

_QUOTE_KEY = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "′": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "–": "-",
        "—": "-",
        "‑": "-",
        "‒": "-",
        "−": "-",
        "\u00a0": " ",
        "\u00ad": "",
    }
)
_PLAIN = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "\u00a0": " "})
_EMPHASIS = re.compile(r"\*\*|__|`")
_SPACE = re.compile(r"\s+")


# Markdown emphasis: a pair of "**" or "__" around text on one line. A lone or unpaired run of
# asterisks is text (PDFs mark notes with "*", "**", "***"), so it stays in a quote.
_EMPHASIS_PAIR = re.compile(r"(\*\*|__)(?=[^\s*_])([^\n]*?[^\s*_])\1(?![*_])")


def unemphasised(text: str) -> str:
    """``text`` without Markdown emphasis markers; any other asterisks kept."""
    return _EMPHASIS_PAIR.sub(r"\2", text)


def quote_key(text: str) -> str:
    """Canonical form for comparing quotes with sources."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_KEY)
    text = _EMPHASIS.sub("", text)
    return _SPACE.sub(" ", text).strip()


def plain_punctuation(text: str) -> str:
    """Whitespace, quote and dash variants folded, for verbatim comparisons of answer text."""
    return " ".join(text.translate(_PLAIN).split())


def collapsed_whitespace(text: str) -> str:
    """NFKC, runs of whitespace collapsed, stripped."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
