"""General-English word frequency on the Zipf scale (wordfreq's), quick from a cold start.

Importing wordfreq and reading its English list takes one to two seconds here, on every cold
``rla ask``. So the list is turned once into a sorted table of its plain lower-case words and
their Zipf values (wordfreq quantises frequencies into bands; every word of a band has the band's
value, which wordfreq itself computes), saved as a NumPy file beside the exported embedding models
(``~/.cache/rla/models``, or ``$XDG_CACHE_HOME/rla/models``) and named by the wordfreq version. It
is memory-mapped and searched with ``searchsorted``, so a cold start reads only the pages a
question's words touch. Any other word (capitals, digits, apostrophes, accents) is still asked of
wordfreq, so every value equals ``zipf_frequency(word, "en")``. ``make install`` writes the table
(``python -m cli.word_frequency``); otherwise the first lookup writes it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
from importlib import metadata
from pathlib import Path

import numpy as np

from assistant.embedding.export import default_cache_dir

log = logging.getLogger(__name__)

TABLE_VERSION = 1
_PLAIN = re.compile(r"[a-z]+")  # words wordfreq's English tokenizer keeps whole and unchanged


def table_path(cache_dir: Path | None = None) -> Path:
    version = metadata.version("wordfreq")
    name = f"zipf-en-wordfreq{version}-v{TABLE_VERSION}.npy"
    return (cache_dir or default_cache_dir()) / name


def zipf(word: str) -> float:
    """wordfreq's ``zipf_frequency(word, "en")``."""
    if _PLAIN.fullmatch(word):
        return lookup(_table(), word)
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def lookup(table: np.ndarray, word: str) -> float:
    """The word's value in ``table`` (sorted by word); 0.0 where wordfreq lacks a plain word."""
    key = word.encode("ascii")
    words = table["word"]
    at = int(np.searchsorted(words, key))
    if at < len(words) and words[at] == key:
        return float(table["zipf"][at])
    return 0.0


@functools.cache
def _table() -> np.ndarray:
    path = table_path()
    try:
        table: np.ndarray = np.load(path, mmap_mode="r")
        if table.dtype.names == ("word", "zipf"):
            return table
    except (OSError, ValueError):
        pass
    return write_table(path)


def make_table() -> np.ndarray:
    """Every plain word of wordfreq's English list with its Zipf value, sorted by word."""
    from wordfreq import get_frequency_list, zipf_frequency

    values: dict[str, float] = {}
    for band in get_frequency_list("en"):
        plain = [w for w in band if _PLAIN.fullmatch(w)]
        if plain:
            values.update(dict.fromkeys(plain, float(zipf_frequency(plain[0], "en"))))
    width = max(len(w) for w in values)
    table = np.zeros(len(values), dtype=[("word", f"S{width}"), ("zipf", "f8")])
    ordered = sorted(values)
    table["word"] = [w.encode("ascii") for w in ordered]
    table["zipf"] = [values[w] for w in ordered]
    return table


def write_table(path: Path) -> np.ndarray:
    """Make the table and save it at ``path`` (atomically); an unwritable cache only costs the
    next cold start the same work again."""
    table = make_table()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as fh:
            np.save(fh, table)
        os.chmod(fh.name, 0o644)
        os.replace(fh.name, path)
    except OSError as exc:
        log.warning("cannot save the word frequency table at %s: %s", path, exc)
    return table
