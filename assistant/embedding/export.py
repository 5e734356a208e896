"""The exported (and quantised) embedding model: built offline from the packaged weights, cached,
checked by digest before every use.

    path = ensure_model(model_dir, "openvino-int8", cache_dir)   # model.xml, verified

Building needs torch, transformers, openvino and (for int8) nncf, and takes about a minute on two
cores; running the result needs only openvino and tokenizers (``assistant.embedding.runtime``).
``make install`` builds the default route's model; otherwise the first ingest or query that needs
it builds it. The export wraps the model with mean pooling and L2 normalisation and computes the
attention mask itself (eager attention), so the runtime gets unit vectors and no library code
decides at trace time that padding can be ignored. The graph has two outputs: 0, the pooled unit
vector of each text; 1, its token states (``[batch, width, dimensions]``, before pooling), from
the same run, which ingest pools over the word pieces of each unit of evidence
(``RLA_UNIT_VECTORS=pooled``, ADR 0024). int8 calibration uses the demo library's own
paragraphs and sentences (chunk-like and query-like inputs).

Cache layout, one directory per route and source::

    <cache>/<route>-<source key>/model.xml, model.bin, artefact.json

``artefact.json`` holds the sha256 of model.xml and model.bin; a mismatch (a truncated copy, a
bit flip, an edit) means the artefact is rebuilt, or refused when building is not allowed. A
build is written to a temporary directory and renamed into place under a lock, so two processes
never see a half-written model.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assistant.embedding.quantisation import ATTENTION_SCORES, Quantisation, quantise
from assistant.embedding.quantisation import calibration_texts as calibration_texts  # re-exported
from assistant.embedding.routes import OPENVINO_FP32, OPENVINO_INT8
from assistant.errors import ModelError
from assistant.files import file_digest

log = logging.getLogger(__name__)

BUILDER_VERSION = 3  # bump when the export or calibration changes (3: ADR 0023)
OUTPUTS = "vector+token-states"  # the graph's outputs, part of the cache key (ADR 0024)
ARTEFACT = "artefact.json"
FILES = ("model.xml", "model.bin")
EXPORTED_ROUTES = (OPENVINO_INT8, OPENVINO_FP32)
QUANTISATION = Quantisation(kept_float=(ATTENTION_SCORES,))  # recorded in artefact.json
Builder = Callable[[Path, str, Path, list[str]], None]


def artefact_version(route: str) -> str:
    """What makes this route's vectors what they are, stable across installs: the route, the
    builder version (export and quantisation) and the openvino version. A build records it, and a
    re-ingest reuses vectors only from a build with the same one."""
    return f"{route}; builder {BUILDER_VERSION}; openvino {_openvino_version()}"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rla" / "models"


def source_key(model_dir: Path, route: str) -> str:
    """Names the artefact: route, builder version, openvino version and the source files' names,
    sizes and modification times (cheap enough for every start; the weights' sha256 is recorded
    in artefact.json when it is built)."""
    h = hashlib.sha256(f"{route}|{BUILDER_VERSION}|{OUTPUTS}|{_openvino_version()}".encode())
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        h.update(f"{path.relative_to(model_dir)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def _openvino_version() -> str:
    try:
        from importlib.metadata import version

        return version("openvino")
    except Exception:
        return "none"


def artefact_dir(cache_dir: Path, model_dir: Path, route: str) -> Path:
    return cache_dir / f"{route}-{source_key(model_dir, route)}"


def verify(directory: Path) -> str:
    """Why the artefact in ``directory`` cannot be used ("" when its files match their digests)."""
    try:
        recorded = json.loads((directory / ARTEFACT).read_text(encoding="utf-8"))["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return "no readable artefact.json"
    for name in FILES:
        path = directory / name
        if not path.is_file():
            return f"{name} is missing"
        if file_digest(path) != recorded.get(name):
            return f"{name} does not match its recorded sha256"
    return ""


def ensure_model(
    model_dir: Path,
    route: str,
    cache_dir: Path,
    *,
    calibration: Callable[[], list[str]] | None = None,
    allow_build: bool = True,
    builder: Builder | None = None,
) -> Path:
    """The verified model.xml for ``route``, building it first when it is missing or corrupt.
    Raises ModelError when it cannot be built (or building is not allowed)."""
    if route not in EXPORTED_ROUTES:
        raise ModelError(f"route {route!r} has no exported model")
    target = artefact_dir(cache_dir, model_dir, route)
    problem = verify(target) if target.exists() else "not built yet"
    if not problem:
        return target / FILES[0]
    if not allow_build:
        raise ModelError(f"the {route} embedding model at {target} is unusable: {problem}")
    with _lock(cache_dir):
        if verify(target):  # another process may have built it while this one waited
            log.warning("building the %s embedding model (%s) in %s", route, problem, target)
            texts = (calibration or (lambda: []))() if route == OPENVINO_INT8 else []
            _build_into(target, model_dir, route, texts, builder or export_openvino)
    problem = verify(target)
    if problem:
        raise ModelError(f"the {route} embedding model built at {target} is unusable: {problem}")
    return target / FILES[0]


@contextmanager
def _lock(cache_dir: Path) -> Iterator[None]:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle = (cache_dir / "build.lock").open("a+")
    except OSError as exc:
        raise ModelError(f"cannot write the model cache {cache_dir}: {exc}") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_into(
    target: Path, model_dir: Path, route: str, texts: list[str], build: Builder
) -> None:
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix=f".{route}-", dir=target.parent))
    try:
        build(model_dir, route, tmp, texts)
        record = {
            "route": route,
            "builder_version": BUILDER_VERSION,
            "outputs": OUTPUTS,
            "openvino": _openvino_version(),
            "source": str(model_dir),
            "source_weights_sha256": _weights_digest(model_dir),
            "calibration_texts": len(texts),
            "quantisation": QUANTISATION.to_dict() if route == OPENVINO_INT8 else None,
            "sha256": {name: file_digest(tmp / name) for name in FILES},
            "seconds": round(time.monotonic() - started, 1),
        }
        (tmp / ARTEFACT).write_text(json.dumps(record, indent=2), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes it private; the served model is not a secret
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, ModelError):
            raise
        raise ModelError(f"building the {route} embedding model failed: {exc}") from exc


def _weights_digest(model_dir: Path) -> str:
    weights = sorted(model_dir.glob("*.safetensors")) or sorted(model_dir.glob("*.bin"))
    return file_digest(weights[0]) if weights else ""


# --- the export itself (torch, transformers, openvino, nncf: build time only) --------------------


def export_openvino(model_dir: Path, route: str, out: Path, texts: list[str]) -> None:
    """Export the model with pooling and normalisation to OpenVINO IR in ``out``; int8 routes
    are quantised with NNCF on ``texts``."""
    import torch

    from assistant.embedding.runtime import openvino_without_telemetry

    ov = openvino_without_telemetry()
    wrapped = _pooled_model(model_dir)
    example = {
        "input_ids": torch.ones(2, 8, dtype=torch.long),
        "attention_mask": torch.ones(2, 8, dtype=torch.long),
    }
    shapes = [("input_ids", [-1, -1], ov.Type.i64), ("attention_mask", [-1, -1], ov.Type.i64)]
    with torch.no_grad():
        model = ov.convert_model(wrapped, example_input=example, input=shapes)
    if route == OPENVINO_INT8:
        model = _quantise(model, model_dir, texts)
    ov.save_model(model, str(out / FILES[0]), compress_to_fp16=False)


def _pooled_model(model_dir: Path) -> Any:
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            mask = attention_mask.to(torch.float32)
            additive = (1.0 - mask[:, None, None, :]) * torch.finfo(torch.float32).min
            hidden = self.bert(
                input_ids=input_ids,
                attention_mask=additive,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            pooled = (hidden * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(
                min=1e-9
            )
            return torch.nn.functional.normalize(pooled, p=2, dim=1), hidden

    return Pooled().eval()


def _quantise(model: Any, model_dir: Path, texts: list[str]) -> Any:
    return quantise(model, model_dir, texts, QUANTISATION)
