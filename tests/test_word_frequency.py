"""The word frequency table gives wordfreq's own Zipf values, without importing wordfreq for
plain words (a cold `rla ask` looks up every question word)."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.text import word_frequency

REPO = Path(__file__).resolve().parents[1]


def test_values_equal_wordfreq_for_plain_and_other_words() -> None:
    from wordfreq import get_frequency_dict, zipf_frequency

    words = sorted(get_frequency_dict("en"))
    sample = random.Random(7).sample(words, 3000)
    sample += [
        "safeguarding",
        "racism",
        "the",
        "a",
        "xqzzyplonk",
        "Ofsted",
        "don't",
        "café",
        "1989",
    ]
    assert [word_frequency.zipf(w) for w in sample] == [zipf_frequency(w, "en") for w in sample]


def test_a_table_written_elsewhere_is_read_back(tmp_path: Path) -> None:
    path = word_frequency.table_path(tmp_path)
    table = word_frequency.write_table(path)
    assert path.is_file()
    import numpy as np

    again = np.load(path, mmap_mode="r")
    assert len(again) == len(table) > 100_000
    assert word_frequency.lookup(again, "safeguarding") == word_frequency.zipf("safeguarding")
    assert word_frequency.lookup(again, "xqzzyplonk") == 0.0


def test_plain_words_are_looked_up_without_importing_wordfreq() -> None:
    word_frequency.zipf("racism")  # the default table exists from here on
    code = (
        "import sys\n"
        "from assistant.text.question import zipf\n"
        "values = [zipf(w) for w in ('racism', 'professionals', 'xqzzyplonk')]\n"
        "assert values[0] > 3 and values[2] == 0.0, values\n"
        "print('wordfreq' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.fail(done.stderr[-2000:])
    assert done.stdout.strip() == "False"
