"""Embedding routes: which route runs where, fallback, the cached exported model's digest check,
and a build's route being the one its queries use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.embedding import routes
from assistant.embedding.export import ensure_model, verify
from assistant.embedding.routes import Processor, resolve, unsupported_reason
from assistant.errors import ConfigurationError, ModelError
from assistant.settings import Settings
from tests.fakes import HashingEmbedder

SAPPHIRE = Processor("x86_64", frozenset({"avx2", "avx512_vnni", "avx512_bf16"}), openvino=True)
OLD_X86 = Processor("x86_64", frozenset({"avx2"}), openvino=True)
NO_OPENVINO = Processor("x86_64", frozenset({"avx2", "amx_bf16"}), openvino=False)
ARM = Processor("aarch64", frozenset({"asimd"}), openvino=True)


class RoutedEmbedder(HashingEmbedder):
    def __init__(self, route: str) -> None:
        super().__init__()
        self.route = route


# --- selection and fallback ---------------------------------------------------------------------


def test_auto_prefers_openvino_int8_and_falls_back_to_torch_fp32() -> None:
    assert resolve("auto", SAPPHIRE) == "openvino-int8"
    assert resolve("auto", OLD_X86) == "openvino-int8"
    assert resolve("auto", NO_OPENVINO) == "torch-fp32"
    assert resolve("auto", ARM) == "torch-fp32"


def test_explicit_routes_fall_back_where_the_processor_lacks_support() -> None:
    assert resolve("torch-bf16", SAPPHIRE) == "torch-bf16"
    assert resolve("torch-bf16", OLD_X86) == "torch-fp32"
    assert resolve("openvino-int8", ARM) == "torch-fp32"
    assert resolve("openvino-fp32", NO_OPENVINO) == "torch-fp32"
    assert resolve("torch-fp32", ARM) == "torch-fp32"


def test_unknown_route_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="unknown embedding route"):
        resolve("gpu-fp8", SAPPHIRE)
    assert "bf16" in unsupported_reason("torch-bf16", OLD_X86)


def test_bf16_hint_only_where_the_processor_has_bf16() -> None:
    assert routes.inference_precision(SAPPHIRE) == "bf16"
    assert routes.inference_precision(OLD_X86) == "f32"


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 amx_bf16\n\n", encoding="utf-8")
    assert routes._cpu_flags(info) == frozenset({"fpu", "sse", "avx2", "amx_bf16"})
    assert routes._cpu_flags(tmp_path / "missing") == frozenset()


def test_a_build_route_this_machine_cannot_run_is_refused_not_swapped(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.embedding.embedder import build_embedder

    monkeypatch.setattr(routes, "this_processor", lambda: OLD_X86)
    with pytest.raises(ModelError, match="cannot run the embedding route torch-bf16"):
        build_embedder(Settings(_env_file=None), route="torch-bf16", strict=True)


def test_old_builds_count_as_torch_fp32_and_fakes_match_any_route() -> None:
    assert routes.same_route("", "torch-fp32")
    assert not routes.same_route("", "openvino-int8")
    assert routes.same_route("openvino-int8", "")
    assert not routes.same_route("openvino-int8", "torch-fp32")


# --- the cached exported model ------------------------------------------------------------------


def _fake_builder(calls: list[str]):  # type: ignore[no-untyped-def]
    def build(model_dir: Path, route: str, out: Path, texts: list[str]) -> None:
        calls.append(route)
        (out / "model.xml").write_text("<net/>", encoding="utf-8")
        (out / "model.bin").write_bytes(b"\x01" * 64)

    return build


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"weights")
    return model


def test_model_is_built_once_then_reused(tmp_path: Path, source: Path) -> None:
    calls: list[str] = []
    first = ensure_model(source, "openvino-fp32", tmp_path / "cache", builder=_fake_builder(calls))
    again = ensure_model(source, "openvino-fp32", tmp_path / "cache", builder=_fake_builder(calls))
    assert first == again and first.name == "model.xml"
    assert calls == ["openvino-fp32"]
    record = json.loads((first.parent / "artefact.json").read_text(encoding="utf-8"))
    assert set(record["sha256"]) == {"model.xml", "model.bin"}
    assert record["source_weights_sha256"]


def test_corrupt_model_is_refused_or_rebuilt(tmp_path: Path, source: Path) -> None:
    calls: list[str] = []
    cache = tmp_path / "cache"
    xml = ensure_model(source, "openvino-fp32", cache, builder=_fake_builder(calls))
    (xml.parent / "model.bin").write_bytes(b"\x02" * 64)  # same size, different bytes
    assert "model.bin does not match" in verify(xml.parent)
    with pytest.raises(ModelError, match="model.bin does not match its recorded sha256"):
        ensure_model(source, "openvino-fp32", cache, allow_build=False)
    rebuilt = ensure_model(source, "openvino-fp32", cache, builder=_fake_builder(calls))
    assert calls == ["openvino-fp32", "openvino-fp32"]
    assert verify(rebuilt.parent) == ""


def test_changed_source_weights_get_their_own_artefact(tmp_path: Path, source: Path) -> None:
    calls: list[str] = []
    cache = tmp_path / "cache"
    first = ensure_model(source, "openvino-fp32", cache, builder=_fake_builder(calls))
    (source / "model.safetensors").write_bytes(b"other weights")
    second = ensure_model(source, "openvino-fp32", cache, builder=_fake_builder(calls))
    assert first.parent != second.parent and len(calls) == 2


def test_int8_artefact_records_how_it_was_quantised(tmp_path: Path, source: Path) -> None:
    from assistant.embedding.export import QUANTISATION
    from assistant.embedding.quantisation import ATTENTION_SCORES

    calls: list[str] = []
    cache = tmp_path / "cache"
    texts = ["One chunk-like window of text.", "A question-like sentence?"]
    xml = ensure_model(
        source, "openvino-int8", cache, calibration=lambda: texts, builder=_fake_builder(calls)
    )
    record = json.loads((xml.parent / "artefact.json").read_text(encoding="utf-8"))
    assert record["calibration_texts"] == 2
    assert record["quantisation"] == json.loads(json.dumps(QUANTISATION.to_dict()))
    assert ATTENTION_SCORES in record["quantisation"]["kept_float"]
    fp32 = ensure_model(source, "openvino-fp32", cache, builder=_fake_builder(calls))
    assert json.loads((fp32.parent / "artefact.json").read_text("utf-8"))["quantisation"] is None


def test_calibration_text_comes_from_the_library_in_the_repo() -> None:
    from assistant.embedding.quantisation import CALIBRATION_SAMPLES, calibration_texts

    library = Path(__file__).resolve().parents[1] / "library" / "demo"
    texts = calibration_texts(library)
    assert 300 < len(texts) <= CALIBRATION_SAMPLES
    assert texts == calibration_texts(library)  # the same artefact on every machine
    words = sorted(len(t.split()) for t in texts)
    assert words[0] < 20 and words[-1] >= 150  # question-like and chunk-like inputs


def test_int8_without_calibration_text_fails_clearly(tmp_path: Path, source: Path) -> None:
    from assistant.embedding.export import _quantise

    with pytest.raises(ModelError, match="calibration needs text"):
        _quantise(None, source, [])

    def failing(model_dir: Path, route: str, out: Path, texts: list[str]) -> None:
        (out / "model.xml").write_text("<half/>", encoding="utf-8")
        raise RuntimeError("killed half way")

    with pytest.raises(ModelError, match="building the openvino-int8 embedding model failed"):
        ensure_model(source, "openvino-int8", tmp_path / "cache", builder=failing)
    leftovers = [p.name for p in (tmp_path / "cache").iterdir() if p.name != "build.lock"]
    assert leftovers == []  # nothing half-written is left to be taken for a model


# --- a build records its route; its queries use it ----------------------------------------------


def _small_build(settings: Settings, embedder: HashingEmbedder):  # type: ignore[no-untyped-def]
    from ingest.job import run_ingest

    library = Path(__file__).resolve().parents[1] / "library" / "demo"
    files = sorted(library.glob("*.md"))[:2]
    return run_ingest(settings, files, embedder=embedder, demo=True)


def test_manifest_records_the_route_and_other_routes_are_refused(tmp_path: Path) -> None:
    from assistant.build.lifecycle import open_served
    from assistant.pipeline import build_assistant

    settings = Settings(data_dir=tmp_path, _env_file=None)
    _small_build(settings, RoutedEmbedder("torch-bf16"))
    index = open_served(settings)
    assert index.info.embedding_route == "torch-bf16"
    assert json.loads((index.build_dir / "manifest.json").read_text())["embedding_route"] == (
        "torch-bf16"
    )
    with pytest.raises(ConfigurationError, match="queries must use the build's route"):
        build_assistant(settings, embedder=RoutedEmbedder("openvino-int8"), index=index)
    assert build_assistant(settings, embedder=RoutedEmbedder("torch-bf16"), index=index)


def test_queries_are_embedded_on_the_build_route(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assistant.pipeline import build_assistant

    settings = Settings(data_dir=tmp_path, embedding_route="torch-fp32", _env_file=None)
    _small_build(settings, RoutedEmbedder("openvino-int8"))
    asked: list[tuple[str, bool]] = []

    def fake_build_embedder(s, *, route="", strict=False, progress=False):  # type: ignore[no-untyped-def]
        asked.append((route, strict))
        return RoutedEmbedder(route)

    monkeypatch.setattr("assistant.embedding.embedder.build_embedder", fake_build_embedder)
    assistant = build_assistant(settings)
    assert asked == [("openvino-int8", True)]  # the build's route, not the setting's
    assert assistant.embedder.route == "openvino-int8"  # type: ignore[attr-defined]


def test_reingest_on_another_route_embeds_everything_again(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)
    first = _small_build(settings, RoutedEmbedder("openvino-int8"))
    same = _small_build(settings, RoutedEmbedder("openvino-int8"))
    other = _small_build(settings, RoutedEmbedder("torch-fp32"))
    assert first.chunks_embedded == first.chunks > 0
    assert same.chunks_embedded == 0 and not same.swapped
    assert other.chunks_embedded == other.chunks and other.swapped


# --- batching for the exported model ------------------------------------------------------------


def test_batches_cover_every_text_once_with_few_shapes() -> None:
    from assistant.embedding.runtime import bucket, pad, token_batches

    lengths = [7, 250, 33, 16, 17, 256, 90, 12] * 40 + [300]
    lengths = [min(n, 256) for n in lengths]
    batches = token_batches(lengths, 4096, 256)
    rows = sorted(int(r) for batch, _ in batches for r in batch)
    assert rows == list(range(len(lengths)))
    shapes = set()
    for batch, size in batches:
        width = bucket(max(lengths[i] for i in batch), 256)
        assert len(batch) <= size and size * width <= max(4096, width)
        assert all(bucket(lengths[i], 256) == width for i in batch)  # one width per batch
        shapes.add((size, width))
    assert len(shapes) <= 7  # one shape per width bucket (16, 32, 48, 96, 256 here)
    assert [len(b) for b, _ in token_batches([20], 4096, 256)] == [1]  # a question: batch of 1
    padded = pad([[101, 5, 102], [101, 102]], 16, 4)
    assert padded["input_ids"].shape == (4, 16)
    assert padded["attention_mask"].sum(axis=1).tolist() == [3, 2, 1, 1]  # spare rows: a dummy


def test_ingest_batches_go_longest_first_with_only_the_last_one_partial() -> None:
    from assistant.embedding.runtime import bucket, longest_first_batches

    lengths = [30] * 150  # width 32: 128 rows a batch, then 22 left over in a batch of 32
    assert [(len(r), size) for r, size in longest_first_batches(lengths, 4096, 256)] == [
        (128, 128),
        (22, 32),
    ]
    lengths = [40, 250, 200, 180, 250, 12, 130, 201, 199, 90, 33]
    batches = longest_first_batches(lengths, 1024, 256)
    covered = sorted(int(r) for rows, _ in batches for r in rows)
    assert covered == list(range(len(lengths)))
    longest = [max(lengths[i] for i in rows) for rows, _ in batches]
    assert longest == sorted(longest, reverse=True)
    for rows, size in batches[:-1]:  # every batch but the last is full at its width
        assert len(rows) == size == 1024 // bucket(max(lengths[i] for i in rows), 256)
    rows, size = batches[-1]
    assert len(rows) <= size <= 1024 // bucket(max(lengths[i] for i in rows), 256)
