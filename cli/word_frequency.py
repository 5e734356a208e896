"""`python -m cli.word_frequency`: write the general-English word frequency table.

Run by `make install`, so a cold `rla ask` reads the memory-mapped table instead of importing
wordfreq; the table itself lives in the core (``assistant.text.word_frequency``).
"""

from __future__ import annotations

import sys

from assistant.text.word_frequency import table_path, write_table


def main() -> int:
    target = table_path()
    print(f"word frequency table: {len(write_table(target))} words at {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
