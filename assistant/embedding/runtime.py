"""The exported model run with OpenVINO and the ``tokenizers`` library: no torch, no transformers.

Texts are tokenized with the model's own ``tokenizer.json`` (its fixed padding switched off),
sorted by length so a batch carries little padding, run in batches, and put back in order. The
graph already pools and normalises (``assistant.embedding.export``), so rows are unit vectors;
``embed_tokens`` also returns each text's token states from the same run (ADR 0024).
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.embedding.pooling import TokenStates
from assistant.errors import ModelError

log = logging.getLogger(__name__)


def openvino_without_telemetry() -> Any:
    """``import openvino``, with OpenVINO's usage telemetry declined for this process: its
    conversion and NNCF tools otherwise send usage data by default when no consent file exists.
    Nothing about this product's use is for a third party to collect."""
    try:
        from openvino_telemetry.utils import opt_in_checker

        declined = opt_in_checker.ConsentCheckResult.DECLINED
        opt_in_checker.OptInChecker.check = lambda self, *args, **kwargs: declined
    except (ImportError, AttributeError):  # a telemetry package without this hook sends nothing
        log.debug("openvino telemetry hook not found")
    import openvino

    return openvino


class WordPieces:
    """The model's tokenizer: batches for the exported graph, and token counts."""

    def __init__(self, counting: Any, truncating: Any, max_tokens: int) -> None:
        self._counting = counting
        self._truncating = truncating
        self.max_tokens = max_tokens
        self._keep = 0  # texts counted whose word pieces are kept for encoding (0: none)
        self._counted: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._counted_lock = threading.Lock()

    @classmethod
    def from_model_dir(cls, model_dir: Path) -> WordPieces:
        from tokenizers import Tokenizer

        path = model_dir / "tokenizer.json"
        try:
            counting, truncating = Tokenizer.from_file(str(path)), Tokenizer.from_file(str(path))
        except Exception as exc:
            raise ModelError(f"cannot read {path}: {exc}") from exc
        max_tokens = _max_seq_length(model_dir)
        for tokenizer in (counting, truncating):
            tokenizer.no_padding()  # the file pads every input to a fixed 128
        counting.no_truncation()
        truncating.enable_truncation(max_tokens)
        return cls(counting, truncating, max_tokens)

    def keep_counted(self, texts: int) -> None:
        """Keep the word pieces of up to ``texts`` recently counted texts that fit the model, so
        encoding one of them again (ingest: chunking counts each chunk's embedded text, then the
        model reads it) takes the pieces counted instead of running the tokenizer twice. A text
        is taken once; the oldest are dropped first. Off by default (serving counts questions)."""
        self._keep = texts

    def count(self, text: str) -> int:
        encoding = self._counting.encode(text, add_special_tokens=True)
        ids = encoding.ids
        if self._keep and len(ids) <= self.max_tokens:  # truncation would leave it as it is
            pieces = (np.asarray(ids, dtype=np.int64), _offsets(encoding))
            with self._counted_lock:
                self._counted[text] = pieces
                self._counted.move_to_end(text)
                while len(self._counted) > self._keep:
                    self._counted.popitem(last=False)
        return len(ids)

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids of each text, truncated to ``max_tokens`` (special tokens included)."""
        return [ids.tolist() for ids, _ in self._pieces(texts)]

    def encode_with_offsets(
        self, texts: Sequence[str]
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Word-piece ids and each piece's ``[start, end)`` character offsets in its text
        (``(0, 0)`` for the special tokens), truncated like ``encode``."""
        found = self._pieces(texts)
        return [ids for ids, _ in found], [offsets for _, offsets in found]

    def _pieces(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(ids, offsets) of each text: taken from the texts counted when kept, else encoded."""
        found: list[tuple[np.ndarray, np.ndarray] | None] = [None] * len(texts)
        if self._counted:
            with self._counted_lock:
                for i, text in enumerate(texts):
                    found[i] = self._counted.pop(text, None)
        missing = [i for i, pieces in enumerate(found) if pieces is None]
        for i, encoding in zip(missing, self._encodings([texts[i] for i in missing]), strict=True):
            found[i] = (np.asarray(encoding.ids, dtype=np.int64), _offsets(encoding))
        return found  # type: ignore[return-value]

    def _encodings(self, texts: Sequence[str]) -> list[Any]:
        if not texts:
            return []
        if len(texts) == 1:  # encode_batch's thread pool costs more than one text takes
            return [self._truncating.encode(texts[0])]
        return list(self._truncating.encode_batch(list(texts)))

    def batch(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """input_ids and attention_mask, truncated to ``max_tokens``, padded to the longest."""
        encoded = self.encode(texts)
        return pad(encoded, max(len(ids) for ids in encoded), len(encoded))


def _offsets(encoding: Any) -> np.ndarray:
    return np.asarray(encoding.offsets, dtype=np.int64).reshape(-1, 2)


WIDTH_STEP = 16  # padded lengths are multiples of this: few distinct shapes to compile


def bucket(length: int, most: int) -> int:
    """The padded width for a text of ``length`` word pieces."""
    return min(most, -(-length // WIDTH_STEP) * WIDTH_STEP)


def pad(encoded: Sequence[Sequence[int]], width: int, rows: int) -> dict[str, np.ndarray]:
    """A ``rows x width`` batch. OpenVINO prepares kernels for every new input shape (tens of
    milliseconds each), so shapes come from a small set: widths in steps of ``WIDTH_STEP`` and a
    fixed row count per width; spare rows hold a dummy input whose output is ignored."""
    input_ids = np.zeros((rows, width), dtype=np.int64)
    mask = np.zeros_like(input_ids)
    for row in range(rows):
        ids = encoded[row] if row < len(encoded) else encoded[0][:1]
        input_ids[row, : len(ids)] = ids
        mask[row, : len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": mask}


def token_batches(lengths: Sequence[int], budget: int, most: int) -> list[tuple[np.ndarray, int]]:
    """(rows, batch size) pairs: texts grouped by padded width, ``budget // width`` rows a batch
    (fewer, rounded up to a power of two, when fewer texts have that width), so short texts
    (units of evidence) go in big batches, long ones in small, and one question in a batch of 1."""
    widths = np.asarray([bucket(n, most) for n in lengths])
    batches: list[tuple[np.ndarray, int]] = []
    for width in sorted(set(widths.tolist())):
        rows = np.flatnonzero(widths == width)
        size = min(max(1, budget // width), _power_of_two(len(rows)))
        for i in range(0, len(rows), size):
            batches.append((rows[i : i + size], size))
    return batches


def longest_first_batches(
    lengths: Sequence[int], budget: int, most: int
) -> list[tuple[np.ndarray, int]]:
    """Ingest's (rows, batch size) pairs: texts longest first, each batch as many rows as
    ``budget`` allows at the padded width of its longest text, so only the last batch of a call
    is partial (its size the least power of two that holds it, at most the full size). Batching
    each width apart left a partial batch per width, each with dummy rows and often a shape of
    its own that OpenVINO prepares anew: on the real corpus run in parts of 64 chunks, about 15%
    less CPU in a fresh process, in 13 shapes against 36 (ADR 0025)."""
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    batches: list[tuple[np.ndarray, int]] = []
    start = 0
    while start < len(order):
        full = max(1, budget // bucket(int(lengths[order[start]]), most))
        rows = order[start : start + full]
        batches.append((rows, full if len(rows) == full else min(full, _power_of_two(len(rows)))))
        start += full
    return batches


def _power_of_two(n: int) -> int:
    """The least power of two at least ``n``."""
    return 1 << (n - 1).bit_length()


def _max_seq_length(model_dir: Path) -> int:
    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 256


# Counted texts whose word pieces ingest keeps for the model (about 6 KB each): more than the
# chunks of the documents prepared ahead of the one being embedded, in most libraries.
COUNTED_KEPT = 2048


class OpenVinoEmbedder:
    """The exported all-MiniLM-L6-v2 on OpenVINO's CPU plugin (int8 or fp32 weights)."""

    # Ingest may run the next texts in a second thread while it pools the last ones: inference
    # releases the GIL, and a part's outputs are small (``ingest.embedding``).
    runs_ahead = True

    def __init__(
        self,
        model_xml: Path,
        model_dir: Path,
        *,
        name: str,
        route: str,
        precision: str = "f32",
        throughput: bool = False,
        token_budget: int = 1024,  # padded tokens a batch: least CPU and memory here (ADR 0022)
        compile_cache: Path | None = None,
        artefact: str = "",
    ) -> None:
        ov = openvino_without_telemetry()
        self.name = name
        self.route = route
        self.artefact = artefact  # which export of the model: vectors are reused only within one
        self.token_budget = token_budget
        self._pieces = WordPieces.from_model_dir(model_dir)
        self.max_tokens = self._pieces.max_tokens
        if throughput:  # ingest: chunking counts each chunk's text just before it is embedded
            self._pieces.keep_counted(COUNTED_KEPT)
        config: dict[str, Any] = {
            "INFERENCE_PRECISION_HINT": precision,
            # ingest: parallel requests, one per core; queries: one request over every core
            "PERFORMANCE_HINT": "THROUGHPUT" if throughput else "LATENCY",
        }
        if compile_cache is not None:
            config["CACHE_DIR"] = str(compile_cache)
        threads = os.environ.get("OMP_NUM_THREADS", "")
        if threads.isdigit():  # `rla serve --workers N` shares the cores out this way
            config["INFERENCE_NUM_THREADS"] = int(threads)
        try:
            self._ov = ov
            self._compiled = ov.Core().compile_model(str(model_xml), "CPU", config)
            streams = int(self._compiled.get_property("NUM_STREAMS"))
        except Exception as exc:
            raise ModelError(f"OpenVINO could not load {model_xml}: {exc}") from exc
        self.requests = max(1, streams) if throughput else 1
        self.dimensions = int(self._compiled.output(0).get_partial_shape()[1].get_length())
        # output 1: token states (models exported before ADR 0024 have none)
        self._token_output = 1 if len(self._compiled.outputs) > 1 else None
        self._queue: Any = None  # ingest's parallel requests, made at the first call
        self._sharing: threading.Event | None = None
        self._queue_lock = threading.Lock()

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed_matrix(texts).tolist()  # type: ignore[no-any-return]

    def embed_matrix(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors as a float32 matrix, row i for text i."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if texts:
            self._run(self._pieces.encode(texts), out, None)
        return out

    def embed_tokens(self, texts: Sequence[str]) -> TokenStates:
        """One run of the model over ``texts``: each text's pooled unit vector and its token
        states with their character offsets (``RLA_UNIT_VECTORS=pooled``, ADR 0024)."""
        if self._token_output is None:
            raise ModelError("this exported model has no token-state output; rebuild it")
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return TokenStates(out, (), ())
        encoded, offsets = self._pieces.encode_with_offsets(texts)
        states: list[np.ndarray] = [out[:0]] * len(texts)
        self._run(encoded, out, states)
        return TokenStates(out, tuple(states), tuple(offsets))

    def _run(
        self,
        encoded: Sequence[Sequence[int] | np.ndarray],
        out: np.ndarray,
        states: list[np.ndarray] | None,
    ) -> None:
        """Fill ``out`` (and ``states``, each text's token states, when given) batch by batch."""
        lengths = [len(ids) for ids in encoded]
        batch = longest_first_batches if self.requests > 1 else token_batches
        batches = batch(lengths, self.token_budget, self.max_tokens)

        def keep(request: Any, rows: np.ndarray) -> None:
            out[rows] = request.get_output_tensor(0).data[: len(rows)]
            if states is not None:
                tokens = request.get_output_tensor(self._token_output).data
                for j, i in enumerate(rows):
                    states[i] = np.array(tokens[j, : lengths[i]], dtype=np.float32)

        def inputs(rows: np.ndarray, size: int) -> dict[str, np.ndarray]:
            width = bucket(max(lengths[i] for i in rows), self.max_tokens)
            return pad([encoded[i] for i in rows], width, size)

        if self.requests == 1 or len(batches) == 1:
            request = self._compiled.create_infer_request()  # one per call: thread-safe
            for rows, size in batches:
                request.infer(inputs(rows, size))
                keep(request, rows)
            return
        with self._queue_lock:  # one call at a time uses the requests (made once, reused)
            if self._queue is None:
                self._queue = self._ov.AsyncInferQueue(self._compiled, self.requests)
            self._queue.set_callback(keep)
            for rows, size in batches:
                if self._sharing is not None and self._sharing.is_set():
                    self._queue.wait_all()  # one request at a time: a core for the other work
                self._queue.start_async(inputs(rows, size), rows)
            self._queue.wait_all()

    @contextmanager
    def sharing_cores(self, busy: threading.Event) -> Iterator[None]:
        """Within this block, while ``busy`` is set (ingest's preparing thread is reading a
        file), run one inference request at a time instead of one per core, so that thread has
        a core of its own rather than a third of two. The next file is then ready sooner, and the
        model does not sit idle waiting for it later (ADR 0025)."""
        self._sharing = busy
        try:
            yield
        finally:
            self._sharing = None

    def warm_up(self) -> None:
        """Prepare the shapes most questions take (up to 32 word pieces), so the first questions
        asked do not pay for it."""
        for width in (WIDTH_STEP, 2 * WIDTH_STEP):
            self.embed_query(" ".join(["safeguarding"] * (width - 4)))

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        return self._pieces.count(text)
