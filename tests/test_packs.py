"""Session packs, the comparison and the silence map over a small real build (real Chroma, BM25,
the real evidence selection; the deterministic hashing embedder)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from assistant.packs.comparison import compare
from assistant.packs.question_bank import load_bank
from assistant.packs.session import draft_pack
from assistant.packs.silence_map import RACE_THEMES, silence_map
from tests.packs_support import SMALL_DOCUMENTS, assert_verbatim, pack_quotes, small_assistant

ADULTIFICATION = "What do reviews say about adultification bias?"
NOTHING = "What do reviews say about lighthouse keepers and zebra crossings?"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return small_assistant(tmp_path_factory.mktemp("packs-build"))


@pytest.fixture(scope="module")
def pack(source: Any) -> Any:
    made = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    return draft_pack(source, ADULTIFICATION, load_bank(), made=made)


# --- the question bank --------------------------------------------------------------------------


def test_bank_covers_every_race_theme_of_the_taxonomy() -> None:
    from ingest.taxonomy import TAXONOMY

    bank = load_bank()
    taxonomy = {t.theme_id for t in TAXONOMY}
    assert set(RACE_THEMES) <= taxonomy
    assert set(bank.themes) <= taxonomy, "bank themes must use the taxonomy's ids"
    for theme_id in RACE_THEMES:
        theme = bank.theme(theme_id)
        assert theme.search.endswith("?") and len(theme.questions) >= 2
    assert bank.version == "reflective_questions.v1"
    assert "not findings" in bank.label


def test_bank_matches_ids_labels_and_aliases_but_not_questions() -> None:
    bank = load_bank()
    assert bank.match("adultification").theme_id == "adultification"  # type: ignore[union-attr]
    assert bank.match("Faith and Culture").theme_id == "faith-and-culture"  # type: ignore[union-attr]
    assert bank.match("  Invisible   men ").theme_id == "fathers-and-male-carers"  # type: ignore[union-attr]
    assert bank.match("It's silent").theme_id == "silence-on-racism"  # type: ignore[union-attr]
    assert bank.match("How did schools respond to adultification?") is None


def test_an_edited_bank_in_another_folder_is_used(tmp_path: Path) -> None:
    (tmp_path / "reflective_questions.v2.yaml").write_text(
        "name: reflective_questions\nversion: v2\nlabel: Written for the pack.\n"
        "themes:\n  adultification:\n    label: Adultification\n"
        '    search: What about adultification?\n    questions: ["Only this one?"]\n',
        encoding="utf-8",
    )
    bank = load_bank(directory=tmp_path)
    assert bank.version == "reflective_questions.v2"
    assert bank.questions(bank.match("adultification")) == ("Only this one?",)


def test_a_malformed_bank_is_a_configuration_error(tmp_path: Path) -> None:
    from assistant.errors import ConfigurationError

    (tmp_path / "reflective_questions.v1.yaml").write_text(
        "themes:\n  adultification: [unclosed\n", encoding="utf-8"
    )
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        load_bank(directory=tmp_path)


# --- the comparison -----------------------------------------------------------------------------


def test_comparison_lists_every_document_exactly_once(source: Any) -> None:
    for question in (ADULTIFICATION, NOTHING):
        rows = compare(source, question).rows
        assert sorted(r.doc_id for r in rows) == sorted(SMALL_DOCUMENTS)
        assert all(r.status in ("addresses", "mentions", "silent") for r in rows)


def test_a_document_silent_on_the_question_is_kept_and_marked_silent(source: Any) -> None:
    rows = {r.doc_id: r for r in compare(source, ADULTIFICATION).rows}
    silent = rows["working-together-2023"]  # about publishing reviews: nothing on adultification
    assert silent.status == "silent" and silent.quote is None
    assert silent.to_dict()["status_label"] == "Not addressed"
    assert rows["adultification-briefing"].status == "addresses"


def test_comparison_quotes_are_verbatim_on_their_pages(source: Any) -> None:
    comparison = compare(source, "How were interpreters used with families?")
    quoted = [r.quote for r in comparison.rows if r.quote]
    assert quoted
    for citation in quoted:
        assert_verbatim(citation, source.index)


def test_comparison_respects_filters(source: Any) -> None:
    rows = compare(source, ADULTIFICATION, {"doc_type": ["guidance"]}).rows
    assert [r.doc_id for r in rows] == ["working-together-2023"]
    by_theme = compare(source, "interpreters", {"theme": ["language-and-interpreters"]}).rows
    assert [r.doc_id for r in by_theme] == ["national-review-2022"]


# --- packs --------------------------------------------------------------------------------------


def test_pack_has_its_parts_and_build(pack: Any, source: Any) -> None:
    assert pack.title.startswith("Session pack:")
    assert pack.build_id == source.index.build_id and pack.build_date
    assert pack.made == "2026-01-02T03:04:00+00:00"
    assert pack.points and pack.summaries and pack.questions and pack.sources and pack.aims
    assert {s.doc_id for s in pack.sources} >= {p.citation.doc_id for p in pack.points}
    assert all(q.label == load_bank().label for q in pack.questions)
    assert len(pack.comparison.rows) == len(SMALL_DOCUMENTS)
    assert "working-together-2023" not in {s.doc_id for s in pack.summaries}


def test_every_quote_in_a_pack_is_verbatim_on_its_cited_page(pack: Any, source: Any) -> None:
    quotes = pack_quotes(pack)
    assert quotes
    for citation in quotes:
        assert_verbatim(citation, source.index)


def test_a_theme_with_no_evidence_gives_a_short_honest_pack(source: Any) -> None:
    pack = draft_pack(source, NOTHING, load_bank())
    assert pack.status == "nothing"
    assert not pack.points and not pack.summaries and not pack.questions and not pack.sources
    notes = " ".join(pack.notes)
    assert f"Searched all {len(SMALL_DOCUMENTS)} documents" in notes
    assert "lighthouse keepers" in notes  # says what was searched
    assert "does not fill the gap" in notes
    assert all(r.status == "silent" for r in pack.comparison.rows)


def test_select_keeps_ticked_items_in_the_given_order(pack: Any) -> None:
    point = pack.points[0].point_id
    questions = [q.question_id for q in pack.questions]
    assert len(questions) >= 3, "the fixture pack needs three discussion questions"
    chosen = pack.select({point, questions[0], questions[2]}, [questions[2], questions[0]])
    assert [q.question_id for q in chosen.questions] == [questions[2], questions[0]]
    assert [p.point_id for p in chosen.points] == [point]
    assert chosen.summaries == ()
    assert {s.doc_id for s in chosen.sources} == {pack.points[0].citation.doc_id}
    assert pack.select(None).item_ids() == pack.item_ids()
    assert pack.select(set()).item_ids() == ()


# --- the silence map ----------------------------------------------------------------------------


def test_silence_map_covers_every_document_and_race_theme(source: Any, tmp_path: Path) -> None:
    result = silence_map(source, load_bank(), cache_dir=tmp_path)
    assert [t.theme_id for t in result.themes] == list(RACE_THEMES)
    assert sorted(r.doc_id for r in result.rows) == sorted(SMALL_DOCUMENTS)
    for row in result.rows:
        assert [c.theme_id for c in row.cells] == list(RACE_THEMES)
    for i, theme in enumerate(result.themes):
        silent = sum(1 for r in result.rows if r.cells[i].status == "silent")
        assert theme.silent == silent
        assert theme.addresses + theme.mentions + theme.silent == len(SMALL_DOCUMENTS)
    for row in result.rows:
        for cell in row.cells:
            assert (cell.quote is None) == (cell.status == "silent")
    data = result.to_dict()
    assert set(data) >= {"build_id", "themes", "rows"}
    assert set(data["rows"][0]["cells"]) == set(RACE_THEMES)


def test_silence_map_is_cached_per_build(
    source: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = silence_map(source, load_bank(), cache_dir=tmp_path)
    files = list((tmp_path / source.index.build_id).glob("*.json"))
    assert len(files) == 1
    stale = tmp_path / "20000101T000000Z-old"
    stale.mkdir()

    import assistant.packs.silence_map as module

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(module, "compute", fail)
    second = silence_map(source, load_bank(), cache_dir=tmp_path)
    assert second == first
    filtered_key = {"doc_type": ["guidance"]}
    monkeypatch.undo()
    narrowed = silence_map(source, load_bank(), filtered_key, cache_dir=tmp_path)
    assert [r.doc_id for r in narrowed.rows] == ["working-together-2023"]
    assert not stale.exists(), "caches of other builds are removed"
    json.loads(files[0].read_text(encoding="utf-8"))  # valid JSON on disk


def test_the_evidence_source_is_the_assistants_own_selection(source: Any) -> None:
    from assistant.packs.evidence_source import evidence_source

    assert evidence_source(source) is source
    rows = source.document_support("adultification")
    assert sorted(r.document.doc_id for r in rows) == sorted(
        d.doc_id for d in source.index.documents
    )
    assert source.evidence("adultification").question == "adultification"
