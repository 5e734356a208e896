"""How the int8 route's model is quantised: NNCF's settings and the calibration text.

Only ``assistant.embedding.export`` (build time) uses this; importing it costs nothing, NNCF is
imported when a model is quantised. The settings are recorded in the artefact's ``artefact.json``
so a cached model says how it was made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import ModelError

# The attention-score products (query x key, weights x value: one ScaledDotProductAttention op per
# layer once converted). Quantising their inputs broke every text of 32 word pieces or fewer when
# OpenVINO runs the model with the bf16 hint (cosine to fp32 down to 0.62 for short questions;
# 0.998 from width 48 up), so they stay in float: ADR 0023.
CALIBRATION_SAMPLES = 600  # at most; the demo library gives 479 (all 179 windows, 300 sentences)
ATTENTION_SCORES = r"__module\.bert\.encoder\.layer\.\d+\.attention\.self/aten::matmul/"


@dataclass(frozen=True)
class Quantisation:
    """NNCF post-training quantisation settings for the exported transformer."""

    samples: int = CALIBRATION_SAMPLES  # calibration inputs used for activation statistics
    fast_bias_correction: bool = True
    smooth_quant_alpha: float = 0.95  # NNCF's SmoothQuant alpha for MatMuls (< 0: off)
    preset: str = "mixed"  # "mixed": asymmetric activations; "performance": symmetric
    kept_float: tuple[str, ...] = field(default=())  # regexes of op names left out of int8

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def quantise(model: Any, model_dir: Path, texts: Sequence[str], settings: Quantisation) -> Any:
    """``model`` (an OpenVINO graph) quantised to int8 with NNCF, calibrated on ``texts``, one
    text a sample, tokenized as the runtime does (``model_dir`` holds the tokenizer)."""
    if not texts:
        raise ModelError("int8 calibration needs text and none was found (the demo library)")
    import nncf
    from nncf.quantization.advanced_parameters import (
        AdvancedQuantizationParameters,
        AdvancedSmoothQuantParameters,
    )

    from assistant.embedding.runtime import WordPieces

    pieces = WordPieces.from_model_dir(model_dir)
    samples = [pieces.batch([t]) for t in texts[: settings.samples]]
    advanced = AdvancedQuantizationParameters(
        smooth_quant_alphas=AdvancedSmoothQuantParameters(matmul=settings.smooth_quant_alpha)
    )
    return nncf.quantize(
        model,
        nncf.Dataset(samples),
        model_type=nncf.ModelType.TRANSFORMER,
        preset=nncf.QuantizationPreset(settings.preset),
        subset_size=len(samples),
        fast_bias_correction=settings.fast_bias_correction,
        ignored_scope=nncf.IgnoredScope(patterns=list(settings.kept_float))
        if settings.kept_float
        else None,
        advanced_parameters=advanced,
    )


def calibration_texts(
    library: Path, *, words: int = 170, samples: int = CALIBRATION_SAMPLES
) -> list[str]:
    """Chunk-like windows and question-like sentences from the Markdown files in ``library``."""
    chunks: list[str] = []
    sentences: list[str] = []
    for path in sorted(library.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        tokens = body.split()
        chunks.extend(" ".join(tokens[i : i + words]) for i in range(0, len(tokens), words // 2))
        sentences.extend(s.strip() for s in body.replace("\n", " ").split(". ") if len(s) > 30)
    half = samples // 2
    return (
        chunks[:: max(1, len(chunks) // half)][:half]
        + sentences[:: max(1, len(sentences) // half)][:half]
    )
