"""`rla pack`, `rla compare` and `rla silence-map` end to end over the demo library (real model,
real Chroma, the real evidence selection)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from assistant.packs.question_bank import load_bank
from assistant.packs.session import draft_pack
from assistant.packs.silence_map import RACE_THEMES
from cli.main import main
from tests.packs_support import assert_verbatim, pack_quotes

pytestmark = pytest.mark.integration


@pytest.fixture()
def demo(demo_index: Any, real_embedder: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The CLI over the demo build, with the session's embedder (the model loads once)."""
    settings, index = demo_index
    monkeypatch.setenv("RLA_DATA_DIR", str(settings.data_dir))
    monkeypatch.setattr(
        "assistant.embedding.embedder.build_embedder", lambda s, **kw: real_embedder
    )
    return settings, index


@pytest.fixture(scope="module")
def demo_source(demo_index: Any, real_embedder: Any) -> Any:
    from assistant.packs.evidence_source import evidence_source
    from assistant.pipeline import build_assistant

    settings, _ = demo_index
    return evidence_source(build_assistant(settings, embedder=real_embedder))


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_compare_json_covers_the_whole_library_once(demo: Any, capsys: Any) -> None:
    _, index = demo
    data = _json(capsys, ["compare", "Adultification", "--json"])
    assert data["build_id"] == index.build_id and data["theme_id"] == "adultification"
    assert data["question"] == load_bank().theme("adultification").search
    assert sorted(r["doc_id"] for r in data["rows"]) == sorted(d.doc_id for d in index.documents)
    statuses = {r["status"] for r in data["rows"]}
    assert statuses <= {"addresses", "mentions", "silent"} and "addresses" in statuses
    for row in data["rows"]:
        assert (row["quote"] is None) == (row["status"] == "silent")


def test_silence_map_json_is_every_document_by_every_race_theme(demo: Any, capsys: Any) -> None:
    settings, index = demo
    data = _json(capsys, ["silence-map", "--json"])
    assert [t["theme_id"] for t in data["themes"]] == list(RACE_THEMES)
    assert sorted(r["doc_id"] for r in data["rows"]) == sorted(d.doc_id for d in index.documents)
    for row in data["rows"]:
        assert list(row["cells"]) == list(RACE_THEMES)
    for theme in data["themes"]:
        silent = sum(1 for r in data["rows"] if r["cells"][theme["theme_id"]] == "silent")
        assert theme["silent"] == silent
    cached = list((settings.data_dir / "cache" / "silence-map" / index.build_id).glob("*.json"))
    assert len(cached) == 1
    assert _json(capsys, ["silence-map", "--json"]) == data


def test_pack_markdown_to_stdout_and_docx_to_a_file(demo: Any, capsys: Any, tmp_path: Path) -> None:
    assert main(["pack", "adultification"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("# Session pack: Adultification")
    assert "> " in out and "## Sources" in out
    assert err == ""  # the pack is the output; nothing else is said
    target = tmp_path / "pack.docx"
    assert main(["pack", "adultification", "--format", "docx", "-o", str(target)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("pack ") and out.rstrip().endswith(f"written to {target}")
    assert "adultification" not in out.lower().replace(str(target).lower(), "")  # no topic text
    assert err == ""
    from docx import Document

    doc = Document(io.BytesIO(target.read_bytes()))
    assert doc.paragraphs[0].style.name == "Heading 1"


def test_bad_filter_is_a_usage_error(demo: Any, capsys: Any) -> None:
    assert main(["compare", "Adultification", "--filter", "colour=blue"]) == 2
    assert "bad --filter" in capsys.readouterr().err


@pytest.mark.parametrize("topic", ["adultification", "faith and culture", "immigration status"])
def test_every_quote_of_a_demo_pack_is_verbatim_on_its_page(demo_source: Any, topic: str) -> None:
    pack = draft_pack(demo_source, topic, load_bank())
    for citation in pack_quotes(pack):
        assert_verbatim(citation, demo_source.index)
    for row in pack.comparison.rows:
        if row.quote:
            assert_verbatim(row.quote, demo_source.index)


@pytest.mark.parametrize(
    ("theme_id", "words", "addressed"),
    [
        # the one briefing that names immigration status does so only to say its findings were
        # left out ("could not be confirmed from the sources available"): a note about the
        # document, not evidence, so no document addresses the theme
        ("immigration-status", ("immigra", "asylum"), False),
        ("adultification", ("adultif",), True),
    ],
)
def test_documents_that_never_mention_a_theme_are_silent_on_it(
    demo_source: Any, theme_id: str, words: tuple[str, ...], addressed: bool
) -> None:
    """E.g. only one demo briefing mentions immigration or asylum at all: the rest are silent."""
    from assistant.packs.comparison import compare

    index = demo_source.index
    rows = compare(demo_source, load_bank().theme(theme_id).search).rows
    assert len(rows) == len(index.documents)
    never = set()
    for row in rows:
        text = " ".join(p.text for p in index.pages(row.doc_id)).lower()
        if not any(word in text for word in words):
            never.add(row.doc_id)
            assert row.status == "silent", row.doc_id
    assert never and len(never) < len(rows)
    assert any(r.status == "addresses" for r in rows) is addressed


@pytest.mark.parametrize("command", ["pack", "compare"])
def test_identifying_details_in_a_topic_are_refused(command: str, capsys: Any) -> None:
    assert main([command, "Jane Smith aged 14 from SW1A 1AA"]) == 2
    err = capsys.readouterr().err
    assert "could identify a person" in err and "Jane" not in err
