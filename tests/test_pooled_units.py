"""Unit vectors pooled from the chunk's own forward pass (RLA_UNIT_VECTORS=pooled, ADR 0024):
span mapping, pooling, the build's recorded kind, and queries that follow the build."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from assistant.build.lifecycle import open_served
from assistant.build.unit_store import UnitStore
from assistant.embedding.pooling import (
    char_spans,
    normalised,
    pool,
    pooled_units,
    shifted,
    token_rows,
)
from assistant.evidence.calibration import CALIBRATIONS, POOLED_CALIBRATIONS
from assistant.served import Served
from assistant.settings import Settings
from assistant.text.units import units
from ingest.chunking import embed_text
from ingest.job import run_ingest
from tests.fakes import TokenHashingEmbedder
from tests.test_job import write_library

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "library" / "demo"

CHUNK = (
    "The review set out **seven golden rules** for   sharing information.\n"
    "It found that staff rarely asked about race.\n\n"
    "Period: serious incidents that happened between January 2022 and March 2024.\n\n"
    "The panel recommends three actions:\n\n"
    "- Talk about race with every family.\n"
    "- Record __ethnicity__ accurately.\n"
    "- Review supervision each quarter.\n"
)


def _covered(text: str, spans: list[tuple[int, int]]) -> str:
    """The chunk text the spans cover, normalised as units are (emphasis out, spaces collapsed)."""
    return "\n".join(normalised(text[a:b])[0] for a, b in spans)


def test_every_kind_of_unit_maps_to_spans_of_its_chunk() -> None:
    found = units(CHUNK)
    kinds = {u.kind for u in found}
    assert {"sentence", "labelled", "list"} <= kinds
    for unit in found:
        spans = char_spans(CHUNK, unit.text)
        assert spans is not None, unit.text
        assert _covered(CHUNK, spans) == unit.text  # list lines keep their markers
    listed = next(u for u in found if u.kind == "list")
    spans = char_spans(CHUNK, listed.text)
    assert spans is not None and len(spans) == 4  # lead-in and three items, not one span
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))  # gaps between


def test_the_normalised_view_maps_each_character_back() -> None:
    text = "  The **seven** rules ** apply\n\n__here__.  "
    view, where = normalised(text)
    assert view == "The seven rules apply here."
    assert len(where) == len(view)
    assert all(text[w] == c for w, c in zip(where, view, strict=True) if c != " ")
    assert all(text[w].isspace() for w, c in zip(where, view, strict=True) if c == " ")


def test_a_text_not_in_the_chunk_has_no_spans() -> None:
    assert char_spans(CHUNK, "The panel recommends four actions.") is None
    assert char_spans(CHUNK, "The panel recommends three actions:\n- Burn the files.") is None


def test_every_demo_unit_is_found_in_its_chunk() -> None:
    total = 0
    for path in sorted(DEMO.glob("*.md"))[:4]:
        body = path.read_text(encoding="utf-8").split("---", 2)[-1]
        for paragraph_run in body.split("\n## "):
            for unit in units(paragraph_run):
                total += 1
                spans = char_spans(paragraph_run, unit.text)
                assert spans is not None, unit.text
                assert _covered(paragraph_run, spans) == unit.text
    assert total > 40


def test_token_rows_skip_special_tokens_and_refuse_what_truncation_cut() -> None:
    offsets = np.array([[0, 0], [0, 3], [4, 9], [10, 16], [17, 22], [0, 0]])
    assert token_rows(offsets, [(4, 16)]).tolist() == [2, 3]
    assert token_rows(offsets, [(0, 3), (17, 22)]).tolist() == [1, 4]
    assert token_rows(offsets, [(5, 6)]).tolist() == [2]  # a piece partly inside counts
    assert token_rows(offsets, [(17, 30)]) is None  # runs past the last word piece read
    assert token_rows(offsets, [(22, 22)]) is None  # no word piece at all
    text = "Alpha beta. Gamma delta"  # truncated after "beta"
    read = np.array([[0, 0], [0, 5], [6, 10], [0, 0]])
    assert token_rows(read, [(0, 11)], text).tolist() == [1, 2]  # only "." unread: kept
    assert token_rows(read, [(12, 23)], text) is None  # "Gamma delta" was never read
    assert token_rows(read, [(6, 17)], text) is None  # partly read: not pooled from a part


def test_pooled_vector_is_the_mean_of_the_token_states_over_the_unit() -> None:
    embedder = TokenHashingEmbedder()
    prefix = "Findings > Race\n\n"
    run = embedder.embed_tokens([prefix + CHUNK])
    found = units(CHUNK)
    vectors = pooled_units(
        prefix + CHUNK, CHUNK, [u.text for u in found], run.states[0], run.offsets[0]
    )
    for unit, vector in zip(found, vectors, strict=True):
        assert vector is not None
        # independently: the word pieces whose words occur in the unit's own text, in order
        words = [m for m in re.finditer(r"\w+", prefix + CHUNK) if m.start() >= len(prefix)]
        spans = shifted(char_spans(CHUNK, unit.text) or [], len(prefix))
        inside = [
            i + 1
            for i, m in enumerate(re.finditer(r"\w+", prefix + CHUNK))
            if any(a <= m.start() and m.end() <= b for a, b in spans)
        ]
        assert len(inside) == sum(1 for m in words if any(a <= m.start() < b for a, b in spans))
        mean = run.states[0][inside].mean(axis=0)
        assert np.allclose(vector, mean / np.linalg.norm(mean), atol=1e-6)
        assert np.isclose(np.linalg.norm(vector), 1.0)
    assert not np.allclose(vectors[0], vectors[1])  # units differ: their own spans, not the chunk


def test_pool_is_a_normalised_mean() -> None:
    states = np.array([[3.0, 0.0], [0.0, 4.0], [100.0, 100.0]])
    assert np.allclose(pool(states, np.array([0, 1])), np.array([0.6, 0.8]))


# --- ingest: the build records the kind, keeps to it, and queries follow it ---------------------


def _settings(tmp_path: Path, kind: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", unit_vectors=kind, _env_file=None)


def _manifest(settings: Settings) -> dict:  # type: ignore[type-arg]
    index = open_served(settings)
    path = settings.builds_dir / index.info.build_id / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_pooled_ingest_records_the_kind_and_pools_every_unit_from_its_chunk(
    tmp_path: Path,
) -> None:
    library = write_library(tmp_path / "lib")
    settings = _settings(tmp_path, "pooled")
    embedder = TokenHashingEmbedder()
    report = run_ingest(settings, [library], embedder=embedder)
    assert _manifest(settings)["unit_vectors"] == "pooled"
    index = open_served(settings)
    assert index.info.unit_vectors == "pooled"
    store = UnitStore.load(settings.builds_dir / index.info.build_id)
    assert store is not None and len(store) > 0 and report.units_embedded == len(store)
    # every texts the embedder saw was a chunk: no unit was run on its own
    assert embedder.texts_embedded == report.chunks_embedded
    for chunk in index.chunks:
        made, vectors = store.for_chunk(chunk.chunk_id)
        text = embed_text(chunk)
        run = embedder.embed_tokens([text])
        expected = pooled_units(
            text, chunk.text, [u.text for u in made], run.states[0], run.offsets[0]
        )
        for got, want in zip(vectors, expected, strict=True):
            assert want is not None
            assert np.allclose(np.asarray(got, dtype=np.float32), want, atol=2e-3)  # float16


def test_switching_kind_rebuilds_and_an_unchanged_pooled_run_embeds_nothing(
    tmp_path: Path,
) -> None:
    library = write_library(tmp_path / "lib")
    pooled = _settings(tmp_path, "pooled")
    first = run_ingest(pooled, [library], embedder=TokenHashingEmbedder())
    again = TokenHashingEmbedder()
    second = run_ingest(pooled, [library], embedder=again)
    assert second.chunks_embedded == 0 and again.texts_embedded == 0
    assert second.build_id == first.build_id  # nothing changed: the same build stays served
    encoded = _settings(tmp_path, "encoded")
    third = run_ingest(encoded, [library], embedder=TokenHashingEmbedder())
    assert third.build_id != first.build_id and third.chunks_embedded == third.chunks
    assert _manifest(encoded)["unit_vectors"] == "encoded"


def test_queries_use_the_thresholds_of_the_builds_kind_whatever_the_setting(
    tmp_path: Path,
) -> None:
    library = write_library(tmp_path / "lib")
    embedder = TokenHashingEmbedder()
    run_ingest(_settings(tmp_path, "pooled"), [library], embedder=embedder)
    asking = _settings(tmp_path, "encoded")  # the query side's setting does not decide
    served = Served(asking, open_served(asking), embedder)
    assert served.selector.calibration == POOLED_CALIBRATIONS["token-hashing-embedder"]
    run_ingest(asking, [library], embedder=embedder)
    served = Served(asking, open_served(asking), embedder)
    assert served.selector.calibration == CALIBRATIONS["token-hashing-embedder"]


def test_an_embedder_without_token_states_makes_and_records_encoded_vectors(
    tmp_path: Path,
) -> None:
    from tests.fakes import HashingEmbedder

    library = write_library(tmp_path / "lib")
    settings = _settings(tmp_path, "pooled")
    embedder = HashingEmbedder()
    first = run_ingest(settings, [library], embedder=embedder)
    assert _manifest(settings)["unit_vectors"] == "encoded"
    assert embedder.texts_embedded > first.chunks  # units were run on their own
    again = HashingEmbedder()
    second = run_ingest(settings, [library], embedder=again)  # and the build is reused as such
    assert second.build_id == first.build_id and again.texts_embedded == 0


# --- the real model: the graph's token-state output is what it pools ----------------------------


@pytest.mark.integration
def test_real_model_token_states_are_what_it_pools_and_units_pool_from_them(
    real_embedder,  # type: ignore[no-untyped-def]
) -> None:
    from assistant.embedding.embedder import build_embedder
    from assistant.embedding.routes import OPENVINO_FP32, resolve

    if resolve(OPENVINO_FP32) != OPENVINO_FP32:
        pytest.skip("no OpenVINO route on this machine")
    exported = build_embedder(Settings(_env_file=None), route=OPENVINO_FP32, strict=True)
    texts = ["Findings\n\n" + CHUNK, "A short one.", "word " * 400]
    for embedder in (exported, real_embedder):
        run = embedder.embed_tokens(texts)
        assert np.allclose(run.vectors, np.asarray(embedder.embed_documents(texts)), atol=1e-5)
        for vector, states, offsets in zip(run.vectors, run.states, run.offsets, strict=True):
            assert len(states) == len(offsets) <= embedder.max_tokens
            assert np.allclose(pool(states, np.arange(len(states))), vector, atol=1e-5)
    ours, theirs = exported.embed_tokens(texts[:1]), real_embedder.embed_tokens(texts[:1])
    assert np.array_equal(ours.offsets[0], theirs.offsets[0])  # same word pieces, same places
    assert np.allclose(ours.states[0], theirs.states[0], atol=1e-3)
    found = units(CHUNK)
    pooled = pooled_units(texts[0], CHUNK, [u.text for u in found], ours.states[0], ours.offsets[0])
    alone = np.asarray(exported.embed_documents([u.text for u in found]))
    for vector, own in zip(pooled, alone, strict=True):
        assert vector is not None
        assert 0.5 < float(vector @ own) < 0.9999  # near its own encoding, yet not the same


def test_a_unit_reading_on_past_the_chunk_pools_from_the_lines_the_chunk_holds() -> None:
    cut = (
        "The panel recommends three actions:\n\n- Talk about race with every family.\n- Record eth"
    )
    whole = (
        "The panel recommends three actions:\n- Talk about race with every family.\n"
        "- Record ethnicity accurately.\n- Review supervision each quarter."
    )
    spans = char_spans(cut, whole)
    assert spans is not None and len(spans) == 2  # the lead-in and the one whole item here
    assert _covered(cut, spans) == (
        "The panel recommends three actions:\n- Talk about race with every family."
    )
    ends_at_item = "The panel recommends three actions:\n\n- Talk about race with every family."
    assert char_spans(ends_at_item, whole) is not None  # the next item starts in the next chunk
    # a line that is neither here nor the text running on past the end: no spans
    assert char_spans(cut, "The panel recommends three actions:\n- Burn the files.") is None
