"""What ingest does to keep the model busy and the rest cheap (issue 9, ADR 0025) gives the same
results as the plain way of doing it. Speed itself is measured by benchmarks/, never here."""

from __future__ import annotations

import threading
import time

import pytest

from ingest.stream import one_ahead


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
