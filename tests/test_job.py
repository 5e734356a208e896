"""The ingestion job with real Chroma and real files, the fast hashing embedder for vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.build.lifecycle import list_builds, open_served, read_build, served_build_id
from assistant.errors import BuildError
from assistant.settings import Settings
from ingest.job import NothingIngested, ingest_lock, run_ingest
from tests import docgen
from tests.fakes import HashingEmbedder


def briefing(title: str, topic: str, paragraphs: int = 6) -> str:
    body = "\n\n".join(
        f"Paragraph {i} on {topic}. The review found that professionals did not discuss race "
        f"with the family, and the school made a referral about {topic} in week {i}. "
        "Supervision gave practitioners little space for reflection on what they saw."
        for i in range(paragraphs)
    )
    return (
        f'---\ntitle: "{title}"\ndoc_type: briefing\nyear: 2024\npublisher: Test Partnership\n---\n'
        f"# {title}\n\n## Findings\n\n{body}\n\n## Learning\n\nLearning about {topic} follows.\n"
    )


def write_library(folder: Path, names: tuple[str, ...] = ("alpha", "beta", "gamma")) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / f"{name}.md").write_text(briefing(f"Briefing {name}", name), encoding="utf-8")
    return folder


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None)


def statuses(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {Path(o.path).name: o.status for o in report.outcomes}


def current_bytes(settings: Settings) -> bytes:
    return settings.current_pointer.read_bytes()


def test_first_ingest_builds_validates_and_serves(tmp_path: Path, settings: Settings) -> None:
    library = write_library(tmp_path / "lib")
    report = run_ingest(settings, [library], embedder=HashingEmbedder())
    assert statuses(report) == {"alpha.md": "added", "beta.md": "added", "gamma.md": "added"}
    assert report.swapped and report.build_id == served_build_id(settings)
    assert report.chunks_embedded == report.chunks > 0 and report.chunks_reused == 0
    index = open_served(settings)
    assert len(index.documents) == 3 == report.documents
    assert index.count() == len(index.chunks) == report.chunks
    assert index.info.embedding_model == HashingEmbedder.name
    for chunk in index.chunks:
        assert chunk.chunk_id == f"{chunk.doc_id}#{chunk.n}"
        assert chunk.page_label_start == "1"
    hit, _ = index.dense_search(index.vectors()[0].tolist(), 1)[0]
    assert hit.chunk_id == index.chunks[0].chunk_id
    assert index.keyword_search("referral", 3)


def test_rerun_embeds_nothing_and_keeps_the_served_build(
    tmp_path: Path, settings: Settings
) -> None:
    library = write_library(tmp_path / "lib")
    first = run_ingest(settings, [library], embedder=HashingEmbedder())
    ids = [c.chunk_id for c in open_served(settings).chunks]
    embedder = HashingEmbedder()
    second = run_ingest(settings, [library], embedder=embedder)
    assert second.chunks_embedded == 0 and embedder.texts_embedded == 0
    assert second.chunks_reused == first.chunks
    assert set(statuses(second).values()) == {"unchanged"}
    assert second.build_id == first.build_id and not second.swapped
    assert [c.chunk_id for c in open_served(settings).chunks] == ids
    assert len(list_builds(settings)) == 1


def test_changing_one_file_reembeds_only_its_changed_chunks(
    tmp_path: Path, settings: Settings
) -> None:
    library = write_library(tmp_path / "lib")
    first = run_ingest(settings, [library], embedder=HashingEmbedder())
    before = read_build(settings, first.build_id)
    path = library / "beta.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing paragraph.\n", "utf-8")
    embedder = HashingEmbedder()
    second = run_ingest(settings, [library], embedder=embedder)
    assert statuses(second) == {
        "alpha.md": "unchanged",
        "beta.md": "updated",
        "gamma.md": "unchanged",
    }
    beta = next(o for o in second.outcomes if o.path.endswith("beta.md"))
    assert 0 < second.chunks_embedded == beta.chunks_embedded <= beta.chunks
    assert embedder.texts_embedded == second.chunks_embedded + second.units_embedded
    assert second.units_embedded == 1  # only the new paragraph is a new unit of evidence
    assert second.swapped and second.previous_build_id == first.build_id
    after = read_build(settings, second.build_id)
    old_rows = {c.digest: i for i, c in enumerate(before.chunks)}
    for i, chunk in enumerate(after.chunks):  # reused vectors are the stored rows, bit for bit
        if chunk.digest in old_rows:
            assert np.array_equal(after.vectors[i], before.vectors[old_rows[chunk.digest]])


def test_documents_not_given_are_carried_over_and_sync_removes_them(
    tmp_path: Path, settings: Settings
) -> None:
    write_library(tmp_path / "lib", ("alpha", "beta"))
    run_ingest(settings, [tmp_path / "lib"], embedder=HashingEmbedder())
    only_alpha = tmp_path / "lib" / "alpha.md"
    kept = run_ingest(settings, [only_alpha], embedder=HashingEmbedder())
    assert kept.documents == 2 and kept.chunks_embedded == 0 and not kept.swapped
    carried = next(o for o in kept.outcomes if o.path.endswith("beta.md"))
    assert carried.status == "unchanged" and "not in the given paths" in carried.detail
    synced = run_ingest(settings, [only_alpha], embedder=HashingEmbedder(), sync=True)
    assert statuses(synced) == {"alpha.md": "unchanged", "beta.md": "removed"}
    assert synced.swapped and synced.chunks_embedded == 0
    assert [d.path for d in open_served(settings).documents] == [str(only_alpha)]


def test_dry_run_writes_nothing(tmp_path: Path, settings: Settings) -> None:
    library = write_library(tmp_path / "lib")
    report = run_ingest(settings, [library], embedder=HashingEmbedder(), dry_run=True)
    assert report.dry_run and not report.build_id and report.chunks > 0
    assert set(statuses(report).values()) == {"added"}
    assert any("would embed" in n for n in report.notes)
    assert served_build_id(settings) is None and list_builds(settings) == []


def test_a_changed_embedding_model_reembeds_everything(tmp_path: Path, settings: Settings) -> None:
    library = write_library(tmp_path / "lib")
    first = run_ingest(settings, [library], embedder=HashingEmbedder())
    other = HashingEmbedder(dimensions=32)
    second = run_ingest(settings, [library / "alpha.md"], embedder=other)
    assert second.swapped and second.chunks_reused == 0
    assert second.chunks_embedded == first.chunks  # carried documents are re-embedded too
    assert open_served(settings).info.dimensions == 32


def bad_corpus(folder: Path, good: Path) -> dict[str, str]:
    """Every kind of bad input next to two good files; returns file name -> expected reason."""
    folder.mkdir(parents=True)
    docgen.make_pdf(folder / "encrypted.pdf", ["Secret text."], encrypt_password="pw")
    docgen.corrupt(docgen.make_pdf(folder / "corrupt.pdf", ["Some text here. " * 200] * 3))
    docgen.truncate(docgen.make_pdf(folder / "truncated.pdf", ["Some text here. " * 200] * 3))
    docgen.make_empty_pdf(folder / "empty.pdf")
    docgen.make_scanned_pdf(folder / "scanned.pdf")
    docgen.make_zip_bomb_docx(folder / "bomb.docx", inflated_mb=300)
    (folder / "big.txt").write_text("Too large. " * 200_000, encoding="utf-8")
    (folder / "zero.txt").write_bytes(b"")
    (folder / "notes.xyz").write_text("unsupported", encoding="utf-8")
    (folder / "latin1.txt").write_bytes(
        "Caf\xe9 culture and the r\xf4le of the health visitor in the review.".encode("latin-1")
    )
    (folder / "good.md").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "copy-of-good.md").write_text(good.read_text(encoding="utf-8"), encoding="utf-8")
    return {
        "encrypted.pdf": "encrypted",
        "corrupt.pdf": "corrupt",
        "truncated.pdf": "corrupt",
        "empty.pdf": "empty",
        "scanned.pdf": "no_text_layer",
        "bomb.docx": "zip_bomb",
        "big.txt": "too_large",
        "zero.txt": "empty",
        "notes.xyz": "unsupported",
        "good.md": "",  # copy-of-good.md sorts first and is ingested; this one is the duplicate
    }


def test_bad_inputs_are_reported_while_the_rest_builds(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", max_file_mb=1.0, _env_file=None)
    good = write_library(tmp_path / "lib", ("alpha",)) / "alpha.md"
    expected = bad_corpus(tmp_path / "bad", good)
    report = run_ingest(settings, [tmp_path / "bad"], embedder=HashingEmbedder())
    rows = {Path(o.path).name: o for o in report.outcomes}
    for name, reason in expected.items():
        if name == "good.md":
            assert rows[name].status == "skipped" and rows[name].reason == "duplicate"
            assert "copy-of-good.md" in rows[name].detail
            continue
        if name == "empty.pdf":  # pdfium reports a zero-page PDF with a stale error code
            assert rows[name].reason in ("empty", "corrupt"), rows[name]
            continue
        assert rows[name].reason == reason, (name, rows[name])
        assert rows[name].status in ("failed", "skipped")
    assert rows["copy-of-good.md"].status == "added"
    assert rows["latin1.txt"].status == "added"  # non-UTF-8 text is decoded, not rejected
    assert report.swapped and report.documents == 2
    latin = next(d for d in open_served(settings).documents if d.path.endswith("latin1.txt"))
    assert "rôle" in open_served(settings).pages(latin.doc_id)[0].text


@pytest.mark.parametrize("sync", [False, True])
def test_a_copy_of_a_served_file_is_the_duplicate_not_the_original(
    tmp_path: Path, settings: Settings, sync: bool
) -> None:
    library = write_library(tmp_path / "lib", ("alpha", "beta"))
    run_ingest(settings, [library], embedder=HashingEmbedder())
    # "a-copy.md" sorts before "alpha.md": walked first, it used to be taken as the document
    (library / "a-copy.md").write_bytes((library / "alpha.md").read_bytes())
    report = run_ingest(settings, [library], embedder=HashingEmbedder(), sync=sync)
    rows = {Path(o.path).name: o for o in report.outcomes}
    assert rows["alpha.md"].status == "unchanged"
    assert (rows["a-copy.md"].status, rows["a-copy.md"].reason) == ("skipped", "duplicate")
    assert "alpha.md" in rows["a-copy.md"].detail
    assert [o for o in report.outcomes if o.status == "removed"] == []
    assert sorted(d.path for d in open_served(settings).documents) == [
        str(library / "alpha.md"),
        str(library / "beta.md"),
    ]


def test_when_every_file_fails_nothing_is_written_or_swapped(
    tmp_path: Path, settings: Settings
) -> None:
    run_ingest(settings, [write_library(tmp_path / "lib")], embedder=HashingEmbedder())
    pointer, builds = current_bytes(settings), list_builds(settings)
    bad = tmp_path / "bad"
    bad.mkdir()
    docgen.make_scanned_pdf(bad / "scan.pdf")
    docgen.corrupt(docgen.make_pdf(bad / "broken.pdf", ["Text. " * 300] * 2))
    with pytest.raises(NothingIngested) as caught:
        run_ingest(settings, [bad], embedder=HashingEmbedder())
    report = caught.value.report
    assert {o.reason for o in report.outcomes if o.status == "failed"} >= {
        "no_text_layer",
        "corrupt",
    }
    assert not report.build_id and not report.swapped
    assert current_bytes(settings) == pointer and list_builds(settings) == builds


def test_a_served_file_that_breaks_keeps_its_earlier_version(
    tmp_path: Path, settings: Settings
) -> None:
    library = write_library(tmp_path / "lib", ("alpha",))
    pdf = docgen.make_pdf(library / "review.pdf", ["A review page about neglect. " * 30] * 3)
    first = run_ingest(settings, [library], embedder=HashingEmbedder())
    docgen.corrupt(pdf)
    report = run_ingest(settings, [library], embedder=HashingEmbedder(), sync=True)
    row = next(o for o in report.outcomes if o.path.endswith("review.pdf"))
    assert row.status == "failed" and row.reason == "corrupt"
    assert "still served" in row.detail and row.doc_id
    assert report.build_id == first.build_id and report.documents == 2


def test_validation_failure_discards_the_build(
    tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = write_library(tmp_path / "lib")
    run_ingest(settings, [library / "alpha.md"], embedder=HashingEmbedder())
    pointer, builds = current_bytes(settings), list_builds(settings)

    def broken(*_args: object, **_kw: object) -> None:
        raise BuildError("probe found the wrong chunk")

    monkeypatch.setattr("ingest.job.validate_build", broken)
    with pytest.raises(BuildError, match="failed validation"):
        run_ingest(settings, [library], embedder=HashingEmbedder())
    assert current_bytes(settings) == pointer
    assert list_builds(settings) == builds
    assert sorted(p.name for p in settings.builds_dir.iterdir()) == builds


def test_a_second_ingest_waits_for_no_one(tmp_path: Path, settings: Settings) -> None:
    library = write_library(tmp_path / "lib")
    settings.data_dir.mkdir(parents=True)
    with ingest_lock(settings), pytest.raises(BuildError, match="another `rla ingest` is running"):
        run_ingest(settings, [library], embedder=HashingEmbedder())
    assert served_build_id(settings) is None


def test_incomplete_builds_are_pruned_and_two_builds_kept(
    tmp_path: Path, settings: Settings
) -> None:
    library = write_library(tmp_path / "lib")
    first = run_ingest(settings, [library / "alpha.md"], embedder=HashingEmbedder())
    leftover = settings.builds_dir / "20000101T000000Z-dead00"
    (leftover / "chroma").mkdir(parents=True)  # a killed run: no manifest
    (settings.data_dir / "CURRENT.999.tmp").write_text("{}", encoding="utf-8")
    second = run_ingest(settings, [library / "beta.md"], embedder=HashingEmbedder())
    third = run_ingest(settings, [library / "gamma.md"], embedder=HashingEmbedder())
    assert not leftover.exists() and not (settings.data_dir / "CURRENT.999.tmp").exists()
    assert list_builds(settings) == sorted([second.build_id, third.build_id])
    assert first.build_id not in list_builds(settings)
    assert json.loads(current_bytes(settings))["previous"] == second.build_id
    assert third.documents == 3


def test_demo_documents_are_not_mixed_into_a_real_library(
    tmp_path: Path, settings: Settings
) -> None:
    write_library(tmp_path / "demo", ("demo1",))
    write_library(tmp_path / "real", ("real1",))
    demo = run_ingest(settings, [tmp_path / "demo"], embedder=HashingEmbedder(), demo=True)
    assert open_served(settings).info.is_demo and open_served(settings).documents[0].is_demo
    real = run_ingest(settings, [tmp_path / "real"], embedder=HashingEmbedder())
    assert statuses(real) == {"real1.md": "added", "demo1.md": "removed"}
    index = open_served(settings)
    assert not index.info.is_demo and [d.doc_id for d in index.documents] != [
        demo.outcomes[0].doc_id
    ]
    assert len(index.documents) == 1


def test_missing_paths_and_hidden_files(tmp_path: Path, settings: Settings) -> None:
    library = write_library(tmp_path / "lib", ("alpha",))
    (library / ".hidden.md").write_text(briefing("Hidden", "hidden"), encoding="utf-8")
    (library / ".git").mkdir()
    (library / ".git" / "notes.md").write_text(briefing("Git", "git"), encoding="utf-8")
    report = run_ingest(settings, [library, tmp_path / "nowhere"], embedder=HashingEmbedder())
    assert statuses(report) == {"alpha.md": "added", "nowhere": "failed"}
    assert next(o for o in report.outcomes if o.status == "failed").reason == "not_found"


def test_manifest_metadata_applies_and_a_metadata_change_reembeds_nothing(
    tmp_path: Path, settings: Settings
) -> None:
    library = write_library(tmp_path / "lib", ("alpha", "beta"))
    manifest = tmp_path / "lib" / "manifest.yaml"
    manifest.write_text(
        "alpha.md:\n  area: Hackney\n  doc_type: lcspr\n  themes: [policing]\n", encoding="utf-8"
    )
    first = run_ingest(settings, [library], embedder=HashingEmbedder(), manifest=manifest)
    assert statuses(first) == {"alpha.md": "added", "beta.md": "added"}  # not the manifest
    alpha = open_served(settings).document("alpha")
    assert alpha is not None
    assert (alpha.area, alpha.doc_type, alpha.themes) == ("Hackney", "lcspr", ("policing",))
    assert alpha.extra.get("themes_source") == "declared"
    beta = open_served(settings).document("beta")
    assert beta is not None and beta.extra.get("themes_source") == "tagged"
    assert "silence-on-racism" in beta.themes  # tagged on most of its chunks
    manifest.write_text("alpha.md:\n  area: Camden\n", encoding="utf-8")
    second = run_ingest(settings, [library], embedder=HashingEmbedder(), manifest=manifest)
    assert statuses(second) == {"alpha.md": "updated", "beta.md": "unchanged"}
    assert second.chunks_embedded == 0 and second.swapped and second.build_id != first.build_id
    assert open_served(settings).document("alpha").area == "Camden"  # type: ignore[union-attr]


def test_pdf_page_labels_reach_the_chunks(tmp_path: Path, settings: Settings) -> None:
    pages = [
        f"Page {i} text. "
        + " ".join(f"Sentence {j} of page {i} about the school." for j in range(40))
        for i in range(1, 5)
    ]
    pdf = docgen.make_pdf(
        tmp_path / "review.pdf",
        pages,
        header="Borough Safeguarding Children Partnership",
        page_labels=[(1, "r", 1), (3, "D", 1)],
    )
    report = run_ingest(settings, [pdf], embedder=HashingEmbedder())
    assert report.outcomes[0].pages == 4
    assert "header" in report.outcomes[0].detail.lower()  # the loader's warnings are reported
    index = open_served(settings)
    expected = {i: docgen.printed_label(i, [(1, "r", 1), (3, "D", 1)]) for i in range(1, 5)}
    assert {p.index: p.label for p in index.pages("review")} == expected == {
        1: "i", 2: "ii", 3: "1", 4: "2"
    }  # fmt: skip
    for chunk in index.chunks:
        assert chunk.page_label_start == expected[chunk.page_start]
        assert chunk.page_label_end == expected[chunk.page_end]
        assert "Borough Safeguarding Children Partnership" not in chunk.text
        for sentence in chunk.text.split(". "):
            if sentence.startswith("Sentence"):  # "Sentence j of page i": i within the range
                page = int(sentence.split(" of page ")[1].split()[0])
                assert chunk.page_start <= page <= chunk.page_end, (chunk.chunk_id, sentence)
