"""The int8 model with static input shapes against the product's dynamic one, in ingest conditions
(printed figures, not a test; ADR 0028).

    .venv/bin/python benchmarks/static_shapes.py [--corpus DIR] [--runs 3] [--steps 16 64]
        [--scale 1] [--ingest]

OpenVINO compiles the exported model once with dynamic ``[rows, width]`` inputs
(``assistant.embedding.runtime.OpenVinoEmbedder``). Reshaped to a static shape, the CPU plugin
fuses more of the element-wise work into subgraphs, so a batch costs less, but every shape is a
compiled model of its own: compile time, a CACHE_DIR blob to import, and memory. This script
measures that trade in the product's ingest conditions: THROUGHPUT hint (two streams of one
thread), bf16 hint, the real corpus's chunks in parts of 128 as ingest passes them, token states
returned for pooling, batches longest first within the 1,024-token budget.

``StaticShapes`` is the variant measured: the same batches, each padded to a static shape
(width rounded up to ``step`` word pieces, rows the budget's count at that width, a partial batch
padded with dummy rows to the full count), one compiled model per shape made at first use with the
compile cache. Each variant runs in its own process, alternating, ``--runs`` times, with a fresh
compile cache first (every compile counted) and then the cache it filled (a second process),
the variants' order reversed every other run:

- load: building the embedder (the dynamic model's compile or cache import);
- first pass: the corpus once in a fresh process (the static variant's compiles included);
- warm: the corpus again in the same process (every shape ready);
- peak RSS; cosine of the chunk vectors to torch fp32's (the reference route), by padded width,
  and to the dynamic model's.

``--ingest`` also runs the whole ``run_ingest`` of the corpus with each variant (wall, process CPU,
peak RSS), as ``benchmarks/ingest.py`` does for routes. ``--scale N`` repeats the corpus's chunks N
times in the model-alone runs (the fixed compile cost against a larger library).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.embedding import runtime  # noqa: E402
from benchmarks.ingest import DEFAULT_CORPUS, cpu_seconds, machine, spread  # noqa: E402

PART = 128  # chunks a call, as ingest passes them (settings.embedding_batch_size * 4)


class StaticShapes(runtime.OpenVinoEmbedder):
    """The product's ingest embedder with each batch run on a model compiled for its static
    shape (the prototype measured here; not used by the product)."""

    def __init__(self, *args: Any, step: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.step = step
        self._core = self._ov.Core()
        self._source = self._core.read_model(str(args[0]))
        self._cache = kwargs.get("compile_cache")
        self._by_shape: dict[tuple[int, int], Any] = {}
        self.compile_cpu = 0.0

    def _queue_for(self, rows: int, width: int) -> Any:
        if (rows, width) not in self._by_shape:
            started = cpu_seconds()
            model = self._source.clone()
            model.reshape({"input_ids": [rows, width], "attention_mask": [rows, width]})
            config = {"INFERENCE_PRECISION_HINT": "bf16", "PERFORMANCE_HINT": "THROUGHPUT"}
            if self._cache is not None:
                config["CACHE_DIR"] = str(self._cache)
            compiled = self._core.compile_model(model, "CPU", config)
            self._by_shape[rows, width] = self._ov.AsyncInferQueue(compiled, self.requests)
            self.compile_cpu += cpu_seconds() - started
        return self._by_shape[rows, width]

    def _run(
        self,
        encoded: Sequence[Sequence[int] | np.ndarray],
        out: np.ndarray,
        states: list[np.ndarray] | None,
    ) -> None:
        lengths = [len(ids) for ids in encoded]

        def keep(request: Any, rows: np.ndarray) -> None:
            out[rows] = request.get_output_tensor(0).data[: len(rows)]
            if states is not None:
                tokens = request.get_output_tensor(1).data
                for j, i in enumerate(rows):
                    states[i] = np.array(tokens[j, : lengths[i]], dtype=np.float32)

        last = None
        for rows, width, size in self.batches(lengths):
            queue = self._queue_for(size, width)
            if queue is not last:  # batches of one shape are consecutive (longest first)
                if last is not None:
                    last.wait_all()
                queue.set_callback(keep)
                last = queue
            queue.start_async(runtime.pad([encoded[i] for i in rows], width, size), rows)
        if last is not None:
            last.wait_all()

    def batches(self, lengths: Sequence[int]) -> list[tuple[np.ndarray, int, int]]:
        """(rows, width, batch rows): longest first, widths rounded up to ``step``, every batch
        of a width the same row count (partial ones padded)."""
        order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
        found, start = [], 0
        while start < len(order):
            width = min(self.max_tokens, -(-int(lengths[order[start]]) // self.step) * self.step)
            size = max(1, self.token_budget // width)
            found.append((order[start : start + size], width, size))
            start += size
        return found


def make_embedder(variant: str, cache: Path) -> runtime.OpenVinoEmbedder:
    from assistant.embedding.embedder import PACKAGED_MODEL_NAME, packaged_model_dir
    from assistant.embedding.export import default_cache_dir, ensure_model
    from assistant.embedding.routes import OPENVINO_INT8, inference_precision

    model_dir = Path(packaged_model_dir())
    xml = ensure_model(model_dir, OPENVINO_INT8, default_cache_dir(), calibration=None)
    common: dict[str, Any] = {
        "name": PACKAGED_MODEL_NAME,
        "route": OPENVINO_INT8,
        "precision": inference_precision(),
        "throughput": True,
        "compile_cache": cache,
    }
    if variant == "dynamic":
        return runtime.OpenVinoEmbedder(xml, model_dir, **common)
    return StaticShapes(xml, model_dir, step=int(variant.removeprefix("static")), **common)


def chunk_texts(corpus: Path, work: Path) -> list[str]:
    """The corpus's chunks as the model reads them (one ingest with the product's embedder)."""
    from assistant.build.lifecycle import open_served
    from assistant.embedding.embedder import build_embedder
    from assistant.settings import Settings
    from ingest.chunking import embed_text
    from ingest.job import run_ingest

    settings = Settings(data_dir=work / "texts", embedding_route="openvino-int8", _env_file=None)
    run_ingest(settings, [corpus], embedder=build_embedder(settings, throughput=True))
    return [embed_text(c) for c in open_served(settings).chunks]


def child_model(variant: str, texts_file: Path, cache: Path, scale: int, out: Path) -> dict:
    texts = json.loads(texts_file.read_text(encoding="utf-8")) * scale
    started = cpu_seconds()
    embedder = make_embedder(variant, cache)
    load = cpu_seconds() - started

    def one_pass() -> tuple[float, float, np.ndarray]:
        wall, cpu = time.perf_counter(), cpu_seconds()
        vectors = [
            embedder.embed_tokens(texts[s : s + PART]).vectors for s in range(0, len(texts), PART)
        ]
        return cpu_seconds() - cpu, time.perf_counter() - wall, np.concatenate(vectors)

    first_cpu, first_wall, vectors = one_pass()
    warm_cpu, _, _ = one_pass()
    np.save(out, vectors[: len(texts) // scale])
    return {
        "load_cpu": load,
        "first_cpu": first_cpu,
        "first_wall": first_wall,
        "warm_cpu": warm_cpu,
        "compile_cpu": getattr(embedder, "compile_cpu", 0.0),
        "shapes": len(getattr(embedder, "_by_shape", {})),
        "chunks": len(texts),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child_ingest(variant: str, corpus: Path, cache: Path, work: Path) -> dict:
    from assistant.settings import Settings
    from ingest.job import run_ingest

    settings = Settings(data_dir=work, embedding_route="openvino-int8", _env_file=None)
    cpu = cpu_seconds()
    embedder = make_embedder(variant, cache)
    load = cpu_seconds() - cpu
    cpu = cpu_seconds()
    done = run_ingest(settings, [corpus], embedder=embedder)
    return {
        "load_cpu": load,
        "ingest_s": done.seconds,
        "ingest_cpu": cpu_seconds() - cpu,
        "chunks": done.chunks,
        "compile_cpu": getattr(embedder, "compile_cpu", 0.0),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def child_reference(texts_file: Path, out: Path) -> dict:
    """torch fp32's vectors of the same chunks (the reference every route is compared to)."""
    from assistant.embedding.embedder import build_embedder, embed_matrix
    from assistant.settings import Settings

    embedder = build_embedder(Settings(_env_file=None), route="torch-fp32", strict=True)
    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    np.save(out, embed_matrix(embedder, texts))
    return {}


CHILDREN = {"model": child_model, "ingest": child_ingest, "reference": child_reference}


def run_child(kind: str, *args: object) -> dict:
    command = [sys.executable, __file__, "--child", kind, *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"child {kind} {args} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _col(runs: list[dict], key: str) -> list[float]:
    return [float(r[key]) for r in runs]


def model_table(rows: dict[tuple[str, str], list[dict]]) -> None:
    print(
        "| variant | cache | load CPU-s | first pass CPU-s (chunks/CPU-s) | of which compiles | "
        "load + first, chunks/CPU-s | warm CPU-s (chunks/CPU-s) | shapes | peak MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for (variant, cache), runs in rows.items():
        n = runs[0]["chunks"]
        both = [n / (r["load_cpu"] + r["first_cpu"]) for r in runs]
        print(
            f"| {variant} | {cache} | {spread(_col(runs, 'load_cpu'))} | {spread(_col(runs, 'first_cpu'))} "
            f"({spread([n / c for c in _col(runs, 'first_cpu')], '{:.1f}')}) | "
            f"{spread(_col(runs, 'compile_cpu'))} | {spread(both, '{:.1f}')} | {spread(_col(runs, 'warm_cpu'))} "
            f"({spread([n / c for c in _col(runs, 'warm_cpu')], '{:.1f}')}) | {runs[0]['shapes']} | "
            f"{spread(_col(runs, 'peak_mb'), '{:.0f}')} |"
        )


def ingest_table(rows: dict[tuple[str, str], list[dict]]) -> None:
    print(
        "| variant | cache | load CPU-s | chunks/s | ingest CPU-s | chunks/CPU-s | "
        "of which compiles | peak MB |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for (variant, cache), runs in rows.items():
        n = runs[0]["chunks"]
        print(
            f"| {variant} | {cache} | {spread(_col(runs, 'load_cpu'), '{:.2f}')} | "
            f"{spread([n / r['ingest_s'] for r in runs], '{:.1f}')} | "
            f"{spread([r['ingest_cpu'] for r in runs])} | "
            f"{spread([n / r['ingest_cpu'] for r in runs], '{:.1f}')} | "
            f"{spread([r['compile_cpu'] for r in runs])} | "
            f"{spread([r['peak_mb'] for r in runs], '{:.0f}')} |"
        )


def quality(texts_file: Path, tmp: Path, variants: list[str]) -> None:
    """Cosine of each variant's chunk vectors to torch fp32's, by padded width of the text."""
    run_child("reference", texts_file, tmp / "fp32.npy")
    reference = np.load(tmp / "fp32.npy")
    dynamic = np.load(tmp / "vec-dynamic.npy")
    widths = np.asarray([runtime.bucket(n, 256) for n in _lengths(texts_file)])
    print(
        "| variant | cosine to fp32 mean / min | min by width (<=64, 65-128, >128) | to dynamic min |"
    )
    print("|---|---|---|---|")
    for variant in variants:
        vectors = np.load(tmp / f"vec-{variant}.npy")
        cosine = (vectors * reference).sum(axis=1)
        groups = [widths <= 64, (widths > 64) & (widths <= 128), widths > 128]
        by_width = ", ".join(f"{cosine[g].min():.4f}" if g.any() else "-" for g in groups)
        print(
            f"| {variant} | {cosine.mean():.5f} / {cosine.min():.4f} | {by_width} | "
            f"{(vectors * dynamic).sum(axis=1).min():.5f} |"
        )


def _lengths(texts_file: Path) -> list[int]:
    from assistant.embedding.embedder import packaged_model_dir

    pieces = runtime.WordPieces.from_model_dir(Path(packaged_model_dir()))
    return [len(ids) for ids in pieces.encode(json.loads(texts_file.read_text(encoding="utf-8")))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--steps", type=int, nargs="+", default=[16, 64], help="static widths")
    parser.add_argument("--scale", type=int, default=1, help="the chunks repeated N times")
    parser.add_argument("--ingest", action="store_true", help="also whole ingests")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        converted = [int(a) if a.isdigit() else a for a in rest]
        converted = [Path(a) if isinstance(a, str) and "/" in a else a for a in converted]
        print(json.dumps(CHILDREN[kind](*converted)))
        return 0
    if not args.corpus.is_dir():
        print(f"skipped: corpus not found at {args.corpus} (../shared beside the checkout)")
        return 0
    variants = ["dynamic", *(f"static{step}" for step in args.steps)]
    print(machine())
    with tempfile.TemporaryDirectory(prefix="rla-static-") as name:
        tmp = Path(name)
        texts_file = tmp / "texts.json"
        texts_file.write_text(json.dumps(chunk_texts(args.corpus, tmp)), encoding="utf-8")
        model: dict[tuple[str, str], list[dict]] = {}
        ingest: dict[tuple[str, str], list[dict]] = {}
        for run in range(args.runs):
            for variant in variants if run % 2 == 0 else variants[::-1]:  # both orders
                cache = tmp / f"cache-{variant}-{run}"
                for state in ("fresh", "filled"):
                    out = tmp / f"vec-{variant}.npy"
                    result = run_child("model", variant, texts_file, cache, args.scale, out)
                    model.setdefault((variant, state), []).append(result)
                    if args.ingest:
                        work = tmp / f"ingest-{variant}-{run}-{state}"
                        ingest_cache = tmp / f"icache-{variant}-{run}"
                        result = run_child("ingest", variant, args.corpus, ingest_cache, work)
                        ingest.setdefault((variant, state), []).append(result)
        print(f"model alone, {model[variants[0], 'fresh'][0]['chunks']} chunks (x{args.scale})")
        model_table(model)
        if ingest:
            print("whole run_ingest")
            ingest_table(ingest)
        quality(texts_file, tmp, variants)
        print(machine())
    return 0


if __name__ == "__main__":
    sys.exit(main())
