"""A build's keyword (BM25) index made from token streams, one chunk at a time.

``KeywordIndex.build`` needs every chunk's text at once. An ingest instead hands each chunk's
keyword text to ``KeywordStream.add`` as the chunk is written: the text is tokenised at once and
only its word ids are kept (four bytes a word, in one growing array, plus the vocabulary). At the
end bm25s computes the same score matrix from those ids as it would from the words (same
document lengths, frequencies and formula; word ids are only column labels), and saves it in the
files ``KeywordIndex.load`` reads.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import overload

from assistant.keyword import SNOWBALL, tokenizer_for

EMPTY = "\x00empty"  # the placeholder word of a chunk without words (as KeywordIndex.build)


class KeywordStream:
    """Chunks' keyword texts in row order, kept as word ids until ``save``."""

    def __init__(self, tokenizer: str = SNOWBALL) -> None:
        self.tokenizer = tokenizer
        self._tokenize = tokenizer_for(tokenizer)
        self._vocab: dict[str, int] = {}
        self._ids = array("i")
        self._ends = array("q")

    def __len__(self) -> int:
        return len(self._ends)

    def add(self, text: str) -> None:
        vocab = self._vocab
        words = self._tokenize(text) or [EMPTY]
        self._ids.extend(vocab.setdefault(w, len(vocab)) for w in words)
        self._ends.append(len(self._ids))

    def save(self, directory: Path) -> None:
        """Score every row with bm25s and write its index files into ``directory``."""
        import bm25s

        if not self._ends:
            raise ValueError("no rows to index")
        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG
        retriever = bm25s.BM25()
        vocab = dict(self._vocab)
        retriever.scores = retriever.build_index_from_ids(
            unique_token_ids=list(vocab.values()),
            corpus_token_ids=_Rows(self._ids, self._ends),
            show_progress=False,
        )
        vocab[""] = len(vocab)  # as bm25s's own ``index`` adds it
        retriever.vocab_dict = vocab
        retriever.save(str(directory), show_progress=False)


class _Rows(Sequence[list[int]]):
    """Row i's word ids, made into a list only while bm25s looks at that row."""

    def __init__(self, ids: array[int], ends: array[int]) -> None:
        self._ids, self._ends = ids, ends

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, index: int) -> list[int]: ...

    @overload
    def __getitem__(self, index: slice) -> list[list[int]]: ...

    def __getitem__(self, index: int | slice) -> list[int] | list[list[int]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        start = self._ends[index - 1] if index else 0
        return self._ids[start : self._ends[index]].tolist()

    def __iter__(self) -> Iterator[list[int]]:
        start = 0
        for end in self._ends:
            yield self._ids[start:end].tolist()
            start = end
