"""`rla ingest` and `rla library` through the real CLI entry point (hashing embedder for speed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from tests import docgen
from tests.fakes import HashingEmbedder
from tests.test_job import write_library


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RLA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(
        "assistant.embedding.embedder.build_embedder", lambda settings, **kw: HashingEmbedder()
    )
    return tmp_path / "data"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_ingest_json_report_fields(tmp_path: Path, data_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    library = write_library(tmp_path / "lib")
    docgen.corrupt(docgen.make_pdf(library / "broken.pdf", ["Text of a page. " * 300] * 2))
    code, report = run_json(capsys, "ingest", str(library), "--json")
    assert code == 0
    assert set(report) >= {"documents", "chunks_embedded", "chunks_reused", "seconds", "build_id"}
    rows = {Path(d["path"]).name: d for d in report["documents"]}
    for row in rows.values():
        assert set(row) >= {"path", "doc_id", "status", "reason", "detail", "pages", "chunks"}
    assert rows["broken.pdf"]["status"] == "failed" and rows["broken.pdf"]["reason"] == "corrupt"
    assert rows["alpha.md"] | {"status": "added", "pages": 1} == rows["alpha.md"]
    assert rows["alpha.md"]["chunks"] > 0 and rows["alpha.md"]["doc_id"] == "alpha"
    assert report["chunks_embedded"] == report["totals"]["chunks"] > 0
    assert report["build_id"] and report["swapped"] is True

    code, again = run_json(capsys, "ingest", str(library), "--json")
    assert code == 0 and again["chunks_embedded"] == 0
    assert again["chunks_reused"] == report["chunks_embedded"]
    assert again["build_id"] == report["build_id"]


def test_ingest_exits_1_when_nothing_could_be_ingested(
    tmp_path: Path, data_dir: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad"
    bad.mkdir()
    docgen.make_scanned_pdf(bad / "scan.pdf")
    code, report = run_json(capsys, "ingest", str(bad), "--json")
    assert code == 1
    assert report["documents"][0]["reason"] == "no_text_layer"
    assert report["build_id"] == "" and not (data_dir / "CURRENT").exists()


def test_if_no_build_and_dry_run(tmp_path: Path, data_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    library = write_library(tmp_path / "lib", ("alpha",))
    code, dry = run_json(capsys, "ingest", str(library), "--dry-run", "--json")
    assert code == 0 and dry["dry_run"] is True and not (data_dir / "CURRENT").exists()
    assert main(["ingest", str(library), "--demo", "--if-no-build"]) == 0
    assert "DEMO LIBRARY" in capsys.readouterr().out
    assert main(["ingest", str(library), "--demo", "--if-no-build"]) == 0
    assert "already served" in capsys.readouterr().out


def test_library_list_builds_and_rollback(tmp_path: Path, data_dir: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    library = write_library(tmp_path / "lib")
    assert main(["library", "list"]) == 3  # nothing served yet: a one-line error, exit code 3
    assert "rla ingest" in capsys.readouterr().err
    _, first = run_json(capsys, "ingest", str(library / "alpha.md"), "--json")
    _, second = run_json(capsys, "ingest", str(library), "--json")
    code, listing = run_json(capsys, "library", "list", "--json")
    assert code == 0 and listing["build"]["build_id"] == second["build_id"]
    doc = next(d for d in listing["documents"] if d["doc_id"] == "alpha")
    for key in ("title", "path", "publisher", "year", "doc_type", "area", "url", "licence"):
        assert key in doc
    assert (
        doc["title"] == "Briefing alpha" and doc["year"] == 2024 and doc["doc_type"] == "briefing"
    )
    assert doc["pages"] == 1 and doc["chunks"] > 0 and isinstance(doc["themes"], list)
    code, builds = run_json(capsys, "library", "builds", "--json")
    roles = {b["build_id"]: b["role"] for b in builds["builds"]}
    assert roles == {first["build_id"]: "previous", second["build_id"]: "served"}
    assert main(["library", "rollback"]) == 0
    assert first["build_id"] in capsys.readouterr().out
    _, listing = run_json(capsys, "library", "list", "--json")
    assert listing["build"]["build_id"] == first["build_id"] and len(listing["documents"]) == 1
