"""Chunking: sizes, boundaries, overlap, pages and headings, digests, and the embedder's limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings
from assistant.text import tokens
from ingest.chunking import (
    PREFIX_MAX_TOKENS,
    chunk_document,
    embed_text,
    heading_prefix,
    split_sentences,
)
from ingest.model import Block
from tests.conftest import DEMO_LIBRARY


def sentences(topic: str, n: int) -> str:
    return " ".join(
        f"Sentence {i} about {topic} describes what the practitioners saw and recorded that week."
        for i in range(n)
    )


class CharLimit:
    """A stand-in embedder tokenizer: one model token per 4 characters, a small limit."""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 2


def test_chunks_stay_within_target_and_record_pages_and_headings() -> None:
    blocks = [
        Block("Findings", 1, "i", (), "heading", 1),
        Block(sentences("school", 30), 1, "i", ("Findings",)),
        Block(sentences("health", 30), 2, "ii", ("Findings",)),
        Block(sentences("police", 30), 3, "1", ("Findings",)),
    ]
    chunks = chunk_document("doc", blocks, target=200, overlap=30)
    assert len(chunks) >= 6
    assert [c.chunk_id for c in chunks] == [f"doc#{n}" for n in range(len(chunks))]
    for c in chunks:
        assert c.tokens == tokens.count(c.text) <= 200
        assert c.section == ("Findings",)
        assert "Findings" not in c.text  # headings travel in the section, not the text
    spanning = [c for c in chunks if c.page_start != c.page_end]
    assert spanning, "some chunk should span a page break"
    for c in spanning:
        labels = {1: "i", 2: "ii", 3: "1"}
        assert (c.page_label_start, c.page_label_end) == (labels[c.page_start], labels[c.page_end])
    assert chunks[0].page_start == 1 and chunks[-1].page_end == 3


def test_consecutive_chunks_overlap_by_whole_sentences() -> None:
    chunks = chunk_document(
        "doc", [Block(sentences("neglect", 40), 1, "1", ("A",))], target=200, overlap=30
    )
    assert len(chunks) >= 3  # pairs to compare
    for first, second in zip(chunks, chunks[1:], strict=False):
        last_sentence = split_sentences(first.text)[-1]
        assert second.text.startswith(last_sentence)
        assert tokens.count(last_sentence) <= 30


def test_no_overlap_when_disabled() -> None:
    chunks = chunk_document("d", [Block(sentences("x", 40), 1, "1")], target=200, overlap=0)
    joined = " ".join(c.text for c in chunks)
    assert joined == " ".join(split_sentences(sentences("x", 40)))


def test_never_crosses_a_top_level_heading_but_merges_small_subsections() -> None:
    blocks = [
        Block("Intro text about the review.", 1, "1", ("Part 1",)),
        Block("A short subsection.", 1, "1", ("Part 1", "1.1")),
        Block("Another short subsection.", 1, "1", ("Part 1", "1.2")),
        Block("Second part begins here.", 2, "2", ("Part 2",)),
    ]
    chunks = chunk_document("d", blocks, target=200, overlap=30)
    assert [c.section for c in chunks] == [("Part 1",), ("Part 2",)]
    assert "Another short subsection." in chunks[0].text
    assert chunks[1].text == "Second part begins here."


def test_full_subsections_start_new_chunks_without_overlap() -> None:
    blocks = [
        Block(sentences("one", 8), 1, "1", ("Part", "A")),
        Block(sentences("two", 8), 1, "1", ("Part", "B")),
    ]
    chunks = chunk_document("d", blocks, target=200, overlap=30)
    assert [c.section for c in chunks] == [("Part", "A"), ("Part", "B")]
    assert "about one" not in chunks[1].text


def test_prefers_paragraph_boundaries() -> None:
    paragraphs = [Block(sentences(f"p{i}", 3), 1, "1") for i in range(12)]
    chunks = chunk_document("d", paragraphs, target=200, overlap=0)
    assert len(chunks) >= 3  # twelve paragraphs do not fit in one chunk
    for c in chunks:
        assert c.text.startswith("Sentence 0 about"), c.text[:40]


def test_long_sentences_and_enormous_words_are_cut() -> None:
    run_on = " ".join(["word"] * 900)
    url = "https://example.org/" + "a" * 3000
    chunks = chunk_document("d", [Block(run_on, 1, "1"), Block(url, 2, "2")], target=100, overlap=0)
    assert all(c.tokens <= 100 for c in chunks)
    assert sum(c.text.count("word") for c in chunks) == 900
    assert "".join(c.text for c in chunks if c.page_start == 2).replace(" ", "") == url


def test_every_chunk_fits_the_embedders_own_limit() -> None:
    limit = CharLimit(max_tokens=60)  # ~230 characters: far tighter than 200 tiktoken tokens
    blocks = [Block(sentences("fit", 50), 1, "1", ("A very long heading " * 3,))]
    chunks = chunk_document("d", blocks, target=200, overlap=30, limit=limit)
    assert all(limit.count_tokens(embed_text(c)) <= limit.max_tokens for c in chunks)
    text = " ".join(split_sentences(sentences("fit", 50)))
    assert all(s in text for c in chunks for s in split_sentences(c.text))


def test_digest_is_stable_and_follows_text_section_and_pages() -> None:
    block = Block(sentences("digest", 5), 4, "iv", ("S",))
    a = chunk_document("d", [block], target=200, overlap=30)[0]
    assert a.digest == chunk_document("d", [block], target=200, overlap=30)[0].digest
    assert a.digest == chunk_document("other-doc", [block], target=200, overlap=30)[0].digest
    for changed in (
        Block(block.text + " More.", 4, "iv", ("S",)),
        Block(block.text, 4, "iv", ("T",)),
        Block(block.text, 5, "v", ("S",)),
    ):
        assert chunk_document("d", [changed], target=200, overlap=30)[0].digest != a.digest


def test_empty_and_heading_only_documents_give_no_chunks() -> None:
    assert chunk_document("d", [], target=200, overlap=30) == []
    assert (
        chunk_document("d", [Block("Title", 1, "1", (), "heading", 1)], target=200, overlap=30)
        == []
    )


def test_split_sentences_respects_abbreviations() -> None:
    text = (
        "Agencies, e.g. schools, met. Dr. Ahmed chaired it. J. Smith (the father) attended! Then?"
    )
    assert split_sentences(text) == [
        "Agencies, e.g. schools, met.",
        "Dr. Ahmed chaired it.",
        "J. Smith (the father) attended!",
        "Then?",
    ]


def test_heading_prefix_keeps_innermost_headings_within_budget() -> None:
    long_path = tuple(f"Chapter {i}: a heading with quite a few words in it" for i in range(5))
    prefix = heading_prefix(long_path)
    assert prefix.endswith(long_path[-1])
    assert tokens.count(prefix) <= PREFIX_MAX_TOKENS
    assert heading_prefix(("x" * 2000,)) and tokens.count(heading_prefix(("x" * 2000,))) <= 32
    assert heading_prefix(()) == ""


# --- the real model: no chunk is silently truncated ---------------------------------------------


def _chunks_of(path: Path, settings: Settings, embedder) -> list:  # type: ignore[no-untyped-def]
    from ingest.loaders import load

    loaded = load(path, settings)
    return chunk_document(
        path.stem,
        loaded.blocks,
        target=settings.chunk_tokens,
        overlap=settings.chunk_overlap,
        limit=embedder,
    )


@pytest.mark.integration
def test_demo_library_chunks_fit_the_real_model(real_embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(_env_file=None)
    total = 0
    for path in sorted(DEMO_LIBRARY.glob("*.md")):
        for chunk in _chunks_of(path, settings, real_embedder):
            total += 1
            assert real_embedder.count_tokens(embed_text(chunk)) <= real_embedder.max_tokens
            assert chunk.tokens <= settings.chunk_tokens
    assert total > 50


@pytest.mark.integration
def test_real_pdf_chunks_fit_the_real_model_and_quote_their_pages(real_pdfs, real_embedder) -> None:  # type: ignore[no-untyped-def]
    from ingest.loaders import load

    settings = Settings(_env_file=None)
    path = sorted(real_pdfs.glob("*.pdf"), key=lambda p: p.stat().st_size)[0]
    loaded = load(path, settings)
    pages = {p.index: " ".join(p.text.split()) for p in loaded.pages}
    chunks = _chunks_of(path, settings, real_embedder)
    assert len(chunks) > 20
    for chunk in chunks:
        assert real_embedder.count_tokens(embed_text(chunk)) <= real_embedder.max_tokens
        span = " ".join(pages[i] for i in range(chunk.page_start, chunk.page_end + 1))
        for paragraph in chunk.text.split("\n\n"):
            assert " ".join(paragraph.split()) in span or all(
                s in span for s in split_sentences(paragraph)
            ), (chunk.chunk_id, paragraph[:80])


@pytest.mark.parametrize("lead_in", ["Spotlight themes", "The review found three things:"])
def test_a_lead_in_starts_the_chunk_with_what_it_announces(lead_in: str) -> None:
    blocks = [Block(sentences(f"p{i}", 3), 1, "1") for i in range(2)]
    blocks.append(Block(lead_in, 1, "1"))
    blocks += [
        Block(f"Item {i} names one theme the annual report examined.", 2, "2") for i in range(6)
    ]
    # the embedder's limit, not the target, ends the first chunk: just after the lead-in
    limit = CharLimit(len(_text(blocks[:3])) // 4 + 3)
    cut = chunk_document("d", blocks, target=400, overlap=0, limit=limit)
    assert len(cut) > 1
    holding = [c for c in cut if lead_in in c.text]
    assert holding, "the lead-in is in some chunk"
    for chunk in holding:
        after = chunk.text.split(lead_in, 1)[1]
        assert "Item 0 names" in after, chunk.text  # never left at the end of a chunk


def _text(blocks: list[Block]) -> str:
    return "\n\n".join(b.text for b in blocks)
