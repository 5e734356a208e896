"""The exported model run with OpenVINO and the ``tokenizers`` library: no torch, no transformers.

Texts are tokenized with the model's own ``tokenizer.json`` (its fixed padding switched off),
sorted by length so a batch carries little padding, run in batches, and put back in order. The
graph already pools and normalises (``assistant.embedding_export``), so rows are unit vectors.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelError

log = logging.getLogger(__name__)


class WordPieces:
    """The model's tokenizer: batches for the exported graph, and token counts."""

    def __init__(self, counting: Any, truncating: Any, max_tokens: int) -> None:
        self._counting = counting
        self._truncating = truncating
        self.max_tokens = max_tokens

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

    def count(self, text: str) -> int:
        return len(self._counting.encode(text, add_special_tokens=True).ids)

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids of each text, truncated to ``max_tokens`` (special tokens included)."""
        return [e.ids for e in self._truncating.encode_batch(list(texts))]

    def batch(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """input_ids and attention_mask, truncated to ``max_tokens``, padded to the longest."""
        return pad(self.encode(texts))


def pad(encoded: Sequence[Sequence[int]]) -> dict[str, np.ndarray]:
    width = max(len(ids) for ids in encoded)
    input_ids = np.zeros((len(encoded), width), dtype=np.int64)
    mask = np.zeros_like(input_ids)
    for row, ids in enumerate(encoded):
        input_ids[row, : len(ids)] = ids
        mask[row, : len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": mask}


def token_batches(lengths: Sequence[int], budget: int, most: int) -> list[np.ndarray]:
    """Rows grouped shortest first so each batch holds about ``budget`` padded tokens (and at
    most ``most`` rows): short texts (units of evidence) go in big batches, long ones in small."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    batches: list[np.ndarray] = []
    start = 0
    for end in range(1, len(order) + 1):
        rows = end - start
        if end < len(order) and rows < most and (rows + 1) * lengths[order[end]] <= budget:
            continue  # the next (longer) text still fits: the batch grows
        batches.append(order[start:end])
        start = end
    return batches


def _max_seq_length(model_dir: Path) -> int:
    try:
        config = json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
        return int(config["max_seq_length"])
    except (OSError, ValueError, KeyError):
        return 256


class OpenVinoEmbedder:
    """The exported all-MiniLM-L6-v2 on OpenVINO's CPU plugin (int8 or fp32 weights)."""

    def __init__(
        self,
        model_xml: Path,
        model_dir: Path,
        *,
        name: str,
        route: str,
        precision: str = "f32",
        throughput: bool = False,
        token_budget: int = 4096,
        compile_cache: Path | None = None,
    ) -> None:
        import openvino as ov

        self.name = name
        self.route = route
        self.token_budget = token_budget
        self._pieces = WordPieces.from_model_dir(model_dir)
        self.max_tokens = self._pieces.max_tokens
        config: dict[str, Any] = {
            "INFERENCE_PRECISION_HINT": precision,
            # ingest: parallel requests, one per core; queries: one request over every core
            "PERFORMANCE_HINT": "THROUGHPUT" if throughput else "LATENCY",
        }
        if compile_cache is not None:
            config["CACHE_DIR"] = str(compile_cache)
        try:
            self._ov = ov
            self._compiled = ov.Core().compile_model(str(model_xml), "CPU", config)
            streams = int(self._compiled.get_property("NUM_STREAMS"))
        except Exception as exc:
            raise ModelError(f"OpenVINO could not load {model_xml}: {exc}") from exc
        self.requests = max(1, streams) if throughput else 1
        self.dimensions = int(self._compiled.output(0).get_partial_shape()[1].get_length())

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self.embed_matrix(texts).tolist()  # type: ignore[no-any-return]

    def embed_matrix(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors as a float32 matrix, row i for text i."""
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        encoded = self._pieces.encode(texts)
        batches = token_batches([len(ids) for ids in encoded], self.token_budget, 256)
        if self.requests == 1 or len(batches) == 1:
            request = self._compiled.create_infer_request()  # one per call: thread-safe
            for rows in batches:
                out[rows] = request.infer(pad([encoded[i] for i in rows]))[0]
            return out
        queue = self._ov.AsyncInferQueue(self._compiled, self.requests)

        def done(request: Any, rows: np.ndarray) -> None:
            out[rows] = request.get_output_tensor(0).data

        queue.set_callback(done)
        for rows in batches:
            queue.start_async(pad([encoded[i] for i in rows]), rows)
        queue.wait_all()
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        return self._pieces.count(text)
