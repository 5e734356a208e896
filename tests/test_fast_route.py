"""The exported OpenVINO model against the torch reference, and serving without torch.

Uses the cached int8 model that `make install` builds (built here on first use otherwise, once)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.embedding.routes import OPENVINO_INT8, resolve

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "library" / "demo"
QUESTION = "How can adultification bias affect safeguarding decisions?"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(resolve("auto") != OPENVINO_INT8, reason="no OpenVINO route here"),
]


@pytest.fixture(scope="module")
def fast_embedder():  # type: ignore[no-untyped-def]
    from assistant.embedding.embedder import build_embedder
    from assistant.settings import Settings

    return build_embedder(Settings(_env_file=None), route=OPENVINO_INT8, strict=True)


@pytest.fixture(scope="module")
def fast_build(tmp_path_factory: pytest.TempPathFactory, fast_embedder) -> Iterator[Path]:  # type: ignore[no-untyped-def]
    from assistant.settings import Settings
    from ingest.job import run_ingest

    data = tmp_path_factory.mktemp("fast-build")
    run_ingest(Settings(data_dir=data, _env_file=None), [DEMO], embedder=fast_embedder, demo=True)
    yield data


def _texts() -> list[str]:
    body = (DEMO / "child-q-local-child-safeguarding-practice-review-2022.md").read_text("utf-8")
    words = body.split("---", 2)[-1].split()
    return [" ".join(words[i : i + n]) for i, n in ((0, 5), (40, 300), (100, 60), (400, 180))]


def test_int8_vectors_agree_with_torch_fp32(fast_embedder, real_embedder) -> None:  # type: ignore[no-untyped-def]
    texts = [*_texts(), QUESTION]
    fast = np.asarray(fast_embedder.embed_documents(texts))
    reference = np.asarray(real_embedder.embed_documents(texts))
    assert fast.shape == reference.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-4)
    assert float(np.min(np.sum(fast * reference, axis=1))) > 0.98


# Questions of 17-32 word pieces (padded to width 32): the shape an int8 model with quantised
# attention scores got wrong under the bf16 hint, cosine to fp32 down to 0.94 here (ADR 0023).
SHORT_QUESTIONS = [
    "How can adultification bias affect safeguarding decisions about Black children in schools?",
    "What did the Child Q review find about the strip search carried out by police officers at school?",
    "Which recommendations did the national panel make about talking with families about race and identity?",
    "Why did professionals miss the signs of criminal exploitation of the boys described in the review?",
    "What should safeguarding partnerships do to check that practitioners understand racism and its effects?",
    "How did agencies respond when the family raised concerns about racism in their contact with services?",
]


def test_int8_short_questions_agree_with_torch_fp32(fast_embedder, real_embedder) -> None:  # type: ignore[no-untyped-def]
    assert all(16 < fast_embedder.count_tokens(q) <= 32 for q in SHORT_QUESTIONS)
    fast = np.asarray([fast_embedder.embed_query(q) for q in SHORT_QUESTIONS])
    reference = np.asarray(real_embedder.embed_documents(SHORT_QUESTIONS))
    assert float(np.min(np.sum(fast * reference, axis=1))) > 0.99


def test_int8_top10_agrees_with_torch_fp32_on_the_demo_library(
    fast_embedder, real_embedder, demo_index
) -> None:  # type: ignore[no-untyped-def]
    from ingest.chunking import embed_text

    _, index = demo_index
    reference = np.asarray(index.vectors(), dtype=np.float32)
    fast = fast_embedder.embed_matrix([embed_text(c) for c in index.chunks])
    want = np.asarray(real_embedder.embed_documents(SHORT_QUESTIONS)) @ reference.T
    got = np.asarray([fast_embedder.embed_query(q) for q in SHORT_QUESTIONS]) @ fast.T
    overlap = [
        len(set(np.argsort(-w)[:10]) & set(np.argsort(-g)[:10])) / 10
        for w, g in zip(want, got, strict=True)
    ]
    assert float(np.mean(overlap)) >= 0.9


def test_no_attention_score_product_is_quantised(fast_embedder) -> None:  # type: ignore[no-untyped-def]
    from assistant.embedding.embedder import packaged_model_dir
    from assistant.embedding.export import artefact_dir, default_cache_dir
    from assistant.embedding.runtime import openvino_without_telemetry
    from assistant.settings import Settings

    cache = Settings(_env_file=None).model_cache_dir or default_cache_dir()
    directory = artefact_dir(cache, Path(packaged_model_dir()), OPENVINO_INT8)
    model = openvino_without_telemetry().Core().read_model(str(directory / "model.xml"))
    ops = model.get_ordered_ops()
    attention = [op for op in ops if op.get_type_name() == "ScaledDotProductAttention"]
    fed = [i.get_source_output().get_node().get_type_name() for a in attention for i in a.inputs()]
    assert len(attention) == 6 and "FakeQuantize" not in fed
    assert sum(op.get_type_name() == "FakeQuantize" for op in ops) >= 24  # still int8 elsewhere


def test_batching_keeps_order_and_truncates_like_torch(fast_embedder, real_embedder) -> None:  # type: ignore[no-untyped-def]
    texts = _texts()
    together = np.asarray(fast_embedder.embed_documents(texts))
    alone = np.asarray([fast_embedder.embed_query(t) for t in texts])
    assert float(np.min(np.sum(together * alone, axis=1))) > 0.999
    for text in texts:
        assert fast_embedder.count_tokens(text) == real_embedder.count_tokens(text)
    assert fast_embedder.max_tokens == real_embedder.max_tokens == 256


def _run(code: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RLA_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("RLA_") or k == "RLA_DATA_DIR"}
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO / "tests", capture_output=True, text=True
    )


def test_serving_never_imports_torch(fast_build: Path) -> None:
    code = f"""
import sys
from assistant.settings import Settings
from web import create_app
from web.commands_serve import _load_assistant
assistant = _load_assistant(Settings())
app = create_app(Settings(), assistant=assistant)
answer = assistant.ask({QUESTION!r})
heavy = [m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules]
print(answer.status, assistant.embedder.route, heavy)
"""
    done = _run(code, fast_build)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "answered openvino-int8 []"


def test_cli_ask_prints_the_answer_and_nothing_on_stderr(fast_build: Path) -> None:
    code = f"import sys; from cli.main import main; sys.exit(main(['ask', {QUESTION!r}]))"
    done = _run(code, fast_build)
    assert done.returncode == 0
    assert "adultification" in done.stdout.lower() and "[1]" in done.stdout
    assert done.stderr == ""
