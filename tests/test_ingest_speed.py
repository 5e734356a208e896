"""What ingest does to keep the model busy and the rest cheap (issue 9, ADR 0025) gives the same
results as the plain way of doing it. Speed itself is measured by benchmarks/, never here."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ingest.stream import one_ahead, prepared_in_background


def test_one_ahead_keeps_order_and_computes_the_next_input_while_the_caller_works() -> None:
    started: list[int] = []

    def compute(x: int) -> int:
        started.append(x)
        return x * x

    results = one_ahead([1, 2, 3, 4], compute)
    assert next(results) == 1
    time.sleep(0.05)  # the caller works on 1: the second input is being computed meanwhile
    assert started[:2] == [1, 2]
    assert len(started) == 2  # never more than one input ahead
    assert list(results) == [4, 9, 16]
    assert started == [1, 2, 3, 4]


def test_one_ahead_raises_the_workers_error_and_stops_when_the_caller_leaves() -> None:
    def fails_on_three(x: int) -> int:
        if x == 3:
            raise ValueError("the model failed")
        return x

    with pytest.raises(ValueError, match="the model failed"):
        list(one_ahead([1, 2, 3, 4], fails_on_three))
    computed: list[int] = []
    results = one_ahead(list(range(10)), lambda x: computed.append(x) or x)
    assert next(results) == 0
    results.close()  # the caller leaves early: only the input in hand was computed ahead
    assert computed == [0, 1]
    assert not [t for t in threading.enumerate() if t.name.startswith("rla-embed")]
    assert list(one_ahead([], lambda x: x)) == [] and list(one_ahead([5], lambda x: -x)) == [-5]


@pytest.mark.integration
def test_word_pieces_counted_at_chunking_are_what_the_model_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chunking counts each chunk's embedded text with the model's tokenizer; ingest keeps those
    pieces for the model instead of tokenizing the text again. What the model is given must be
    what a fresh encoding gives, and a text is taken once."""
    from assistant.embedding.embedder import packaged_model_dir
    from assistant.embedding.runtime import WordPieces

    fresh = WordPieces.from_model_dir(Path(packaged_model_dir()))
    kept = WordPieces.from_model_dir(Path(packaged_model_dir()))
    kept.keep_counted(2)
    long = "safeguarding " * 400  # past the model's limit: truncated when encoded, never kept
    texts = ["Child Q was strip searched at school.", "Adultification bias » In practice", long]
    for text in texts:
        assert kept.count(text) == fresh.count(text)
    encoded: list[list[str]] = []
    real = kept._encodings
    monkeypatch.setattr(kept, "_encodings", lambda t: encoded.append(list(t)) or real(t))
    ids, offsets = kept.encode_with_offsets([*texts, "not counted"])
    want_ids, want_offsets = fresh.encode_with_offsets([*texts, "not counted"])
    assert encoded == [[long, "not counted"]]  # the two counted texts that fit were taken
    assert [list(i) for i in ids] == [list(i) for i in want_ids]
    assert len(ids[2]) == fresh.max_tokens
    for got, want in zip(offsets, want_offsets, strict=True):
        np.testing.assert_array_equal(got, want)
    kept.encode_with_offsets(texts[:1])
    assert encoded[-1] == texts[:1]  # taken once: encoded afresh the second time
    for n in range(3):  # at most two kept: the oldest goes first
        kept.count(f"text {n}")
    kept.encode_with_offsets(["text 0", "text 1", "text 2"])
    assert encoded[-1] == ["text 0"]
    assert fresh.encode(texts[:2]) == kept.encode(texts[:2])


def test_the_preparing_thread_says_when_it_is_busy() -> None:
    busy = threading.Event()
    seen: list[bool] = []

    def results() -> Iterator[Any]:
        for i in range(3):
            seen.append(busy.is_set())  # computing a result: busy
            yield i

    assert list(prepared_in_background(results(), busy=busy)) == [0, 1, 2]
    assert seen == [True, True, True]
    assert not busy.is_set()  # done (and never left set while waiting to hand a result over)


@pytest.mark.integration
def test_sharing_cores_runs_one_request_at_a_time_while_preparing_and_changes_no_vector() -> None:
    from assistant.embedding.embedder import build_embedder
    from assistant.settings import Settings

    embedder = build_embedder(Settings(_env_file=None), throughput=True)
    if not hasattr(embedder, "sharing_cores") or embedder.requests < 2:
        pytest.skip("the exported model with parallel requests is not available here")
    texts = [
        f"Safeguarding practice note {n}: " + "the child was seen. " * (n % 9) for n in range(40)
    ]
    alone = embedder.embed_tokens(texts)
    calls: list[str] = []

    class Watched:
        def __init__(self, queue: Any) -> None:
            self.queue = queue

        def start_async(self, *args: Any) -> None:
            calls.append("start")
            self.queue.start_async(*args)

        def wait_all(self) -> None:
            calls.append("wait")
            self.queue.wait_all()

        def set_callback(self, callback: Any) -> None:
            self.queue.set_callback(callback)

    embedder._queue = Watched(embedder._ov.AsyncInferQueue(embedder._compiled, embedder.requests))
    busy = threading.Event()
    busy.set()
    with embedder.sharing_cores(busy):
        shared = embedder.embed_tokens(texts)
    assert calls.count("start") > 1
    assert all(calls[i - 1] == "wait" for i, c in enumerate(calls) if c == "start")
    np.testing.assert_allclose(shared.vectors, alone.vectors, atol=1e-6)
    calls.clear()
    busy.clear()  # nothing being prepared: requests run side by side again
    with embedder.sharing_cores(busy):
        embedder.embed_tokens(texts)
    assert calls[:2] == ["start", "start"]
