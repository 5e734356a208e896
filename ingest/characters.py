"""Characters that cleaning maps or drops (``ingest.cleaning.normalise_text``), as tables.

Ligatures and Word's private-use bullets are mapped by replacement; odd spaces become a space and
invisible characters are dropped by one ``str.translate`` table, ``TRANSLATE``. ``TRANSLATED``
finds any character that table changes: most text holds none, and a search is far cheaper than
``translate`` over non-ASCII text, so text without one is left as it is (ADR 0026).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Characters we map ourselves rather than through full NFKC, which would also rewrite
# superscripts, fractions and other characters that carry meaning.
LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
SPACES = dict.fromkeys(
    map(
        ord,
        "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
        "\u202f\u205f\u3000\t\x0b",
    ),
    " ",
)
DROPPED = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\x00"), None)
# Never text in a report, but a way to smuggle instructions to a model: Unicode tag characters,
# bidi controls and the variation-selector supplement.
DROPPED.update(dict.fromkeys(range(0xE0000, 0xE0080), None))
DROPPED.update(
    dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)
)
DROPPED.update(dict.fromkeys(range(0xE0100, 0xE01F0), None))
TRANSLATE = str.maketrans({**SPACES, **DROPPED})


def _runs(codes: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive runs (first, last) of the sorted code points ``codes``."""
    runs: list[tuple[int, int]] = []
    for code in sorted(codes):
        if runs and code == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], code)
        else:
            runs.append((code, code))
    return runs


# Any character TRANSLATE changes.
TRANSLATED = re.compile(
    "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in _runs(TRANSLATE)) + "]"
)
CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f]")
LINE_HYPHEN = "\ufffe"  # pdfium's mark for a hyphen at a line end (the line break is removed)
# Word's Symbol/Wingdings bullets arrive as private-use characters
PRIVATE_BULLETS = {"\uf0b7": "•", "\uf0a7": "▪", "\uf076": "❖", "\uf0d8": "➢", "\uf0fc": "✓"}
