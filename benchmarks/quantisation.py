"""int8 quantisation settings against torch fp32 on the real corpus (printed figures, not a test).

    .venv/bin/python benchmarks/quantisation.py [--variants NAME ...] [--xml MODEL ...]
                                                [--precision bf16|f32] [--work DIR]

Embeds the real corpus's chunks (../shared/corpus/real, as ingest chunks them) and the gold
questions once with torch fp32, then builds one int8 model per variant (``variants()``; all of
them by default) from the same exported fp32 graph, runs it as ingest does (OpenVINO, the
machine's inference hint) and prints: cosine of the chunk vectors to fp32 (mean, min), the top-10
dense agreement on the gold questions as ``benchmarks/ingest.py`` counts it, a tie-aware variant
(an int8 top-10 chunk counts when fp32 scores it within 0.005 of fp32's own 10th; an extra
figure only), and chunks per CPU-second of embedding the chunks alone and with their units of
evidence. The ``v2-float-block-N`` variants are the per-layer sensitivity sweep. ``--xml`` scores
models already built (an artefact from the cache). Models and the fp32 reference are kept in
``--work``, so a second call only scores.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _ingest_benchmark() -> Any:
    """benchmarks/ingest.py as a module (its name clashes with the ``ingest`` package): importing
    it sets the offline environment and puts the repository on the path; its corpus, gold
    questions and gold scoring are used here as they are there."""
    spec = importlib.util.spec_from_file_location("ingest_benchmark", REPO / "benchmarks/ingest.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


BENCH = _ingest_benchmark()
CORPUS = BENCH.DEFAULT_CORPUS
GOLD = BENCH.GOLD
TIE = 0.005


def reference(work: Path) -> dict[str, np.ndarray]:
    """Chunk texts, questions and their torch fp32 vectors (computed once, kept in ``work``)."""
    path = work / "reference.npz"
    if path.is_file():
        return dict(np.load(path, allow_pickle=False))
    from assistant.build.lifecycle import open_served
    from assistant.embedding.embedder import SentenceTransformerEmbedder, build_embedder
    from assistant.settings import Settings
    from ingest.chunking import embed_text
    from ingest.job import run_ingest

    settings = Settings(data_dir=work / "corpus", _env_file=None)
    run_ingest(settings, [CORPUS], embedder=build_embedder(settings, throughput=True))
    texts = [embed_text(c) for c in open_served(settings).chunks]
    questions = [str(q["question"]) for q in BENCH.gold_questions()]
    torch = SentenceTransformerEmbedder()
    out = {
        "texts": np.asarray(texts),
        "questions": np.asarray(questions),
        "chunks": np.asarray(torch.embed_documents(texts), dtype=np.float32),
        "queries": np.asarray(torch.embed_documents(questions), dtype=np.float32),
    }
    np.savez(path, **out)
    return out


def agreement(
    chunks: np.ndarray, queries: np.ndarray, ref: dict[str, np.ndarray]
) -> dict[str, float]:
    """Quality of (chunks, queries) vectors against the fp32 reference."""
    cos = np.sum(chunks * ref["chunks"], axis=1)
    ref_scores = ref["queries"] @ ref["chunks"].T
    scores = queries @ chunks.T
    plain, tie_aware = [], []
    for q in range(len(queries)):
        want = set(np.argsort(-ref_scores[q], kind="stable")[:10].tolist())
        got = np.argsort(-scores[q], kind="stable")[:10]
        tenth = np.sort(ref_scores[q])[-10]
        plain.append(len(want & set(got.tolist())) / 10)
        tie_aware.append(float(np.mean(ref_scores[q][got] >= tenth - TIE)))
    return {
        "cos_mean": float(cos.mean()),
        "cos_min": float(cos.min()),
        "top10": float(np.mean(plain)),
        "top10_ties": float(np.mean(tie_aware)),
    }


def score(xml: Path, ref: dict[str, np.ndarray], precision: str) -> dict[str, float]:
    from assistant.embedding.embedder import packaged_model_dir
    from assistant.embedding.runtime import OpenVinoEmbedder
    from assistant.text.units import units

    embedder = OpenVinoEmbedder(
        xml, Path(packaged_model_dir()), name="x", route="x", precision=precision, throughput=True
    )
    texts = [str(t) for t in ref["texts"]]
    pieces = sorted({u.text for t in texts for u in units(t)})
    embedder.embed_matrix(texts[:64] + pieces[:256])  # shapes prepared before timing
    before = _cpu()
    chunks = embedder.embed_matrix(texts)
    chunk_cpu = _cpu() - before
    embedder.embed_matrix(pieces)
    unit_cpu = _cpu() - before - chunk_cpu
    queries = np.stack([np.asarray(embedder.embed_query(str(q))) for q in ref["questions"]])
    return {
        **agreement(chunks, queries, ref),
        "chunks_per_cpu_s": len(texts) / chunk_cpu,
        "with_units_per_cpu_s": len(texts) / (chunk_cpu + unit_cpu),
    }


def fp32_graph(work: Path) -> Path:
    from assistant.embedding.embedder import packaged_model_dir
    from assistant.embedding.export import export_openvino

    out = work / "fp32"
    if not (out / "model.xml").is_file():
        out.mkdir(parents=True, exist_ok=True)
        export_openvino(Path(packaged_model_dir()), "openvino-fp32", out, [])
    return out / "model.xml"


def build_variant(work: Path, name: str, settings: Any, texts: list[str]) -> Path:
    """The fp32 graph quantised with ``settings`` on ``texts``, kept as ``work/name``."""
    from assistant.embedding.embedder import packaged_model_dir
    from assistant.embedding.quantisation import quantise
    from assistant.embedding.runtime import openvino_without_telemetry

    xml = work / name / "model.xml"
    if xml.is_file():
        return xml
    ov = openvino_without_telemetry()
    source = fp32_graph(work)
    started = time.perf_counter()
    model = quantise(ov.Core().read_model(str(source)), Path(packaged_model_dir()), texts, settings)
    xml.parent.mkdir(parents=True, exist_ok=True)
    ov.save_model(model, str(xml), compress_to_fp16=False)
    (work / name / "settings.json").write_text(
        json.dumps({**settings.to_dict(), "texts": len(texts), "s": time.perf_counter() - started})
    )
    return xml


def gold(xml: Path, data_dir: Path, precision: str) -> dict[str, Any]:
    """Hit@5 and recall@10 on the gold questions over the demo library, as benchmarks/ingest.py
    scores them, with this model as the build's and the queries' embedder."""
    from assistant.embedding.embedder import PACKAGED_MODEL_NAME, packaged_model_dir
    from assistant.embedding.runtime import OpenVinoEmbedder
    from assistant.settings import Settings

    embedder = OpenVinoEmbedder(
        xml,
        Path(packaged_model_dir()),
        name=PACKAGED_MODEL_NAME,
        route="openvino-int8",
        precision=precision,
        throughput=True,
    )
    shutil.rmtree(data_dir, ignore_errors=True)
    demo = Settings(data_dir=data_dir, _env_file=None)
    return BENCH.gold_retrieval(demo, embedder, BENCH.gold_questions())  # type: ignore[no-any-return]


def row(name: str, r: dict[str, Any]) -> str:
    return (
        f"{name:<24} {r['cos_mean']:.4f}/{r['cos_min']:.3f} {r['top10']:>6.3f} "
        f"{r['top10_ties']:>6.3f} {r['chunks_per_cpu_s']:>12.1f} {r['with_units_per_cpu_s']:>7.1f}"
        f" {r.get('hit5', float('nan')):>6.3f} {r.get('recall10', float('nan')):>6.3f}"
        f" {' '.join(r.get('misses', []))}"
    )


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


DEMO = REPO / "library" / "demo"
LAYER = r"__module\.bert\.encoder\.layer\.{}\."


def variants() -> dict[str, tuple[Any, list[str]]]:
    """Named (settings, calibration texts) to compare: "v1" is the artefact before ADR 0023, "v2"
    v1 with the attention scores in float, the rest change one thing in v2; "v3" is the current
    artefact (v2 calibrated on up to 600 texts)."""
    from assistant.embedding.export import QUANTISATION
    from assistant.embedding.quantisation import Quantisation, calibration_texts

    demo = calibration_texts(DEMO, samples=300)
    v1 = Quantisation(samples=300)
    v2 = replace(QUANTISATION, samples=300)
    out: dict[str, tuple[Any, list[str]]] = {
        "v1": (v1, demo),
        "v1-performance": (replace(v1, preset="performance"), demo),
        "v1-exact-bias": (replace(v1, fast_bias_correction=False), demo),
        "v1-no-smooth": (replace(v1, smooth_quant_alpha=-1), demo),
        "v2": (v2, demo),
        "v2-exact-bias": (replace(v2, fast_bias_correction=False), demo),
        "v2-smooth-0.8": (replace(v2, smooth_quant_alpha=0.8), demo),
        "v2-smooth-0.5": (replace(v2, smooth_quant_alpha=0.5), demo),
        "v3": (QUANTISATION, calibration_texts(DEMO)),
        "v2-short-windows": (v2, calibration_texts(DEMO, words=60)),
    }
    for n in range(6):  # the per-layer sensitivity sweep: one more block left in float
        out[f"v2-float-block-{n}"] = (
            replace(v2, kept_float=(*v2.kept_float, LAYER.format(n))),
            demo,
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "rla-quantisation",
        help="where variant models are kept between runs",
    )
    parser.add_argument("--xml", type=Path, nargs="*", default=[], help="score existing models")
    parser.add_argument("--precision", default="")
    parser.add_argument("--variants", nargs="*", default=[])
    args = parser.parse_args()
    if not CORPUS.is_dir() or not GOLD.is_file():
        print(f"skipped: {CORPUS} or {GOLD} not found (../shared beside the checkout)")
        return 0
    from assistant.embedding.routes import inference_precision

    args.work.mkdir(parents=True, exist_ok=True)
    ref = reference(args.work)
    precision = args.precision or inference_precision()
    print(f"{len(ref['texts'])} chunks, {len(ref['questions'])} questions, hint {precision}")
    print(
        f"{'variant':<24} {'cos mean/min':>13} {'top10':>6} {'ties':>6} {'chunks/cpu-s':>12} {'+units':>7}"
    )
    known = variants()
    for name in args.variants if args.variants or args.xml else list(known):
        settings, texts = known[name]
        xml = build_variant(args.work, name, settings, texts)
        result: dict[str, Any] = {
            **score(xml, ref, precision),
            **gold(xml, args.work / "gold" / name, precision),
        }
        print(row(name, result), flush=True)
    for n, xml in enumerate(args.xml):
        result = {**score(xml, ref, precision), **gold(xml, args.work / "gold" / str(n), precision)}
        print(row(str(xml), result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
