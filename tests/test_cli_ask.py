"""`rla ask` through the real CLI entry point, on a tiny real build (hashing fake embedder)."""

from __future__ import annotations

import json
import re

import pytest

from assistant.settings import Settings
from cli.main import main
from tests.answering_support import DocSpec, write_pages_build
from tests.fakes import HashingEmbedder

SPECS = [
    DocSpec(
        "child-q",
        "Child Q review",
        [
            "The strip search of Child Q at school should never have happened. School staff "
            "deferred to the police and should have challenged the officers.",
            "Racism was likely to have been an influencing factor in the decision to search.",
        ],
        themes=("adultification",),
        publisher="City & Hackney Safeguarding Children Partnership",
        year=2022,
    ),
    DocSpec(
        "review-system",
        "The review system",
        ["A local authority must notify the Panel of a serious incident within five working days."],
        doc_type="guidance",
        year=2023,
        media_type="pdf",
        url="https://example.org/wt.pdf",
    ),
]


@pytest.fixture()
def data_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    embedder = HashingEmbedder(dimensions=256)
    settings = Settings(data_dir=tmp_path, _env_file=None)
    write_pages_build(settings, SPECS, embedder)
    monkeypatch.setenv("RLA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RLA_RELEVANCE_THRESHOLD", "0.1")
    monkeypatch.setenv("RLA_EVIDENCE_NO_EVIDENCE", "0.05")  # the hashing embedder's scale
    monkeypatch.setenv("RLA_EVIDENCE_ANSWERED", "0.1")
    monkeypatch.setattr("assistant.embedding.embedder.build_embedder", lambda s, **kw: embedder)
    return tmp_path


def _json(capsys, *argv: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert main(["ask", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_human_output_shows_answer_sources_status_and_search(data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["ask", "What should school staff have done about the police strip search?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('"School staff deferred to the police and should have challenged')
    assert "    (Child Q review, page 1)" in out
    assert re.search(  # the document once, with all its citation numbers, pages and one link
        r"Sources:\n(\[\d\] )+Child Q review \(City & Hackney Safeguarding Children Partnership,"
        r" 2022\), page 1\n    /library/child-q\?page=1&q=",
        out,
    )
    for quote in ("School staff deferred", "The strip search of Child Q at school should never"):
        assert out.count(quote) <= 1
    status = re.search(r"Status: (answered|partial) \(answerer: extractive\)", out)
    assert status, out
    if status.group(1) == "partial":  # a partial answer says so, in words, before its sources
        assert out.index("The library only answers part") < out.index("Sources:")
    assert "Searched: 2 documents for" in out


def test_json_is_the_answer_contract(data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    data = _json(capsys, "How quickly must a local authority notify the Panel?")
    assert data["status"] == "answered"
    citation = data["citations"][0]
    for key in ("n", "doc_id", "title", "page_start", "page_end", "quote", "url", "verified"):
        assert key in citation
    assert citation["url"] == "https://example.org/wt.pdf#page=1"
    for key in ("doc_id", "chunk_id", "score", "page_start", "page_end"):
        assert key in data["passages"][0]
    assert data["search_query"] == "How quickly must a local authority notify the Panel?"
    assert data["searched"]["documents_in_library"] == 2


def test_filters(data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    data = _json(capsys, "school strip search notify", "--filter", "doc_type=guidance")
    assert {c["doc_id"] for c in data["citations"]} == {"review-system"}
    assert data["searched"]["filters"]["doc_types"] == ["guidance"]
    data = _json(
        capsys, "strip search", "--filter", "theme=adultification", "--filter", "year_from=2020"
    )
    assert {p["doc_id"] for p in data["passages"]} == {"child-q"}


def test_history_file_makes_a_follow_up(data_dir, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps([{"question": "What happened to Child Q at school?", "answer": "..."}])
    )
    data = _json(capsys, "What did it say about racism?", "--history", str(history))
    assert "Child Q" in data["search_query"]


def test_k_limits_the_passages(data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    assert len(_json(capsys, "strip search", "--k", "1")["passages"]) == 1


def test_llm_without_configuration_falls_back(data_dir, capsys) -> None:  # type: ignore[no-untyped-def]
    data = _json(capsys, "What did the review say about racism?", "--generator", "llm")
    assert data["generator"] == "extractive"
    assert any("No language model" in n for n in data["notices"])


@pytest.mark.parametrize(
    "argv",
    [
        ["--filter", "colour=blue"],
        ["--filter", "theme"],
        ["--filter", "year_from=twenty"],
        ["--k", "0"],
    ],
)
def test_bad_options_exit_2(data_dir, capsys, argv) -> None:  # type: ignore[no-untyped-def]
    assert main(["ask", "strip search", *argv]) == 2
    assert "rla ask:" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content",
    ["not json", '{"question": "x"}', '[{"answer": "no question"}]', '[{"question": 3}]', '["x"]'],
)
def test_malformed_history_exits_2(data_dir, capsys, tmp_path, content: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.json"
    path.write_text(content)
    assert main(["ask", "What about it?", "--history", str(path)]) == 2
    assert "--history" in capsys.readouterr().err


def test_missing_history_file_exits_2(data_dir, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert main(["ask", "x", "--history", str(tmp_path / "nope.json")]) == 2


def test_no_build_is_a_clear_error(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RLA_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr(
        "assistant.embedding.embedder.build_embedder", lambda s, **kw: HashingEmbedder()
    )
    code = main(["ask", "anything"])
    assert code == 3
    assert "rla ingest" in capsys.readouterr().err


def test_no_evidence_shows_what_was_searched_and_the_nearest(data_dir, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RLA_RELEVANCE_THRESHOLD", "0.99")
    assert main(["ask", "What about strip searches at school?"]) == 0
    out = capsys.readouterr().out
    assert "does not hold anything" in out
    assert "Status: no_evidence" in out
    assert "Nearest (not used as evidence): Child Q review" in out
    assert "Sources:" not in out


def test_shaped_answer_text_leads_then_groups_then_lists_each_document_once() -> None:
    from cli.ask import render
    from tests.answer_shapes import BRIEFING, Q1, Q2, Q3, Q4, REVIEW, shaped

    out = render(shaped(status="partial", missing=("vaping",)))
    assert out.startswith(f'"{Q1}" [1]\n    ({BRIEFING}, page 1)')
    assert out.index("The library does not cover: vaping.") < out.index("What the sources say:")
    says = out.split("What the sources say:")[1].split("Sources:")[0]
    assert says.index(BRIEFING) < says.index(Q2) < says.index(Q3) < says.index(REVIEW)
    assert f'  "{Q4}" [4]' in says
    for quote in (Q1, Q2, Q3, Q4):
        assert out.count(quote) == 1
    sources = out.split("\nSources:\n")[1]
    assert f"[1] [2] [3] {BRIEFING} (Demo Partnership, 2023), pages 1, 2" in sources
    assert "    https://example.org/briefing.pdf\n" in sources
    assert f"[4] {REVIEW} (Demo Partnership, 2022), page iv" in sources


def test_a_refusal_gives_its_reason_first_and_labels_related_material() -> None:
    from cli.ask import render
    from tests.answer_shapes import CITATIONS, GROUPS, Q4, shaped

    refused = shaped(
        status="no_evidence",
        text=f"The library does not mention vaping.\n\nRelated material, not an answer:\n\n{Q4} [4]",
        lead=(),
        groups=(GROUPS[1],),
        citations=(CITATIONS[3],),
        related=True,
        refusal="absent_subject",
    )
    out = render(refused)
    assert out.startswith("The library does not mention vaping.\n\nRelated, not an answer:\n")
    assert out.count(Q4) == 1
    assert "Status: no_evidence (answerer: extractive, refused: absent_subject)" in out
