"""The BM25 tokenizer (Snowball stems, bm25s's stop words, the racism/racist override) and builds
written before the tokenizer was recorded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from assistant.build.index import BuildContent, Index, write_build
from assistant.keyword import (
    LEGACY,
    SNOWBALL,
    STOPWORDS,
    KeywordIndex,
    legacy_tokenize,
    tokenize,
    tokenizer_for,
)
from assistant.settings import Settings
from assistant.types import Chunk, Document
from tests.fakes import HashingEmbedder


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("family", "families"),
        ("agency", "agencies"),
        ("policy", "policies"),
        ("abuse", "abused"),
        ("racism", "racist"),
        ("racists", "racism"),
        ("antiracism", "antiracist"),
        ("review", "reviewed"),
    ],
)
def test_word_forms_meet(one: str, other: str) -> None:
    assert tokenize(one) == tokenize(other) != []


@pytest.mark.parametrize(("one", "other"), [("race", "racism"), ("police", "policy")])
def test_different_words_stay_apart(one: str, other: str) -> None:
    assert tokenize(one) != tokenize(other)


def test_stop_words_are_bm25s_english_list_plus_the_projects() -> None:
    source = Path(__import__("importlib.util").util.find_spec("bm25s").origin).parent
    text = (source / "stopwords.py").read_text(encoding="utf-8")
    block = text.split("STOPWORDS_EN_PLUS = (", 1)[1].split(")", 1)[0]
    bm25s_words = set(re.findall(r'"([^"]+)"', block))
    assert len(bm25s_words) > 100
    assert bm25s_words <= STOPWORDS
    assert {"said", "must", "would"} <= STOPWORDS - bm25s_words
    assert tokenize("What did the review say about the families?") == ["review", "famili"]


def test_the_old_suffix_stripper_is_kept_for_old_builds() -> None:
    assert legacy_tokenize("families racism") == ["famil", "rac"]
    assert tokenizer_for("") is legacy_tokenize
    assert tokenizer_for(LEGACY) is legacy_tokenize
    assert tokenizer_for(SNOWBALL) is tokenize


TEXTS = [
    "Practitioners did not speak with the families about racism.",
    "The agencies shared a policy on interpreters.",
    "Nothing here matches.",
]


@pytest.mark.parametrize("query", ["family", "racist", "families"])
def test_bm25_finds_other_forms_of_a_word(query: str, tmp_path: Path) -> None:
    KeywordIndex.build(TEXTS).save(tmp_path)
    index = KeywordIndex.load(tmp_path, len(TEXTS), SNOWBALL)
    assert [row for row, _ in index.top(query, 3)] == [0]
    assert [row for row, _ in index.top("agency policies", 3)] == [1]


def test_an_index_is_queried_with_the_tokenizer_it_was_built_with(tmp_path: Path) -> None:
    KeywordIndex.build(TEXTS, tokenizer=LEGACY).save(tmp_path)
    old = KeywordIndex.load(tmp_path, len(TEXTS), "")  # a manifest that names no tokenizer
    assert old.tokenizer == LEGACY
    assert [row for row, _ in old.top("families", 3)] == [0]
    # queried with the new stems, the old index would miss the same word
    assert KeywordIndex.load(tmp_path, len(TEXTS), SNOWBALL).top("families", 3) == []


def _content() -> BuildContent:
    document = Document("d", "A briefing", "d.md")
    chunks = [
        Chunk(f"d#{i}", "d", i, text, 1, 1, "1", "1", digest=str(i)) for i, text in enumerate(TEXTS)
    ]
    vectors = HashingEmbedder().embed_documents(TEXTS)
    return BuildContent(
        documents=[document],
        chunks=chunks,
        pages=[],
        vectors=np.asarray(vectors, dtype=np.float32),
        embedding_model="hash",
    )


def test_builds_record_their_tokenizer_and_old_builds_still_open(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)
    info = write_build(settings, _content())
    assert info.keyword_tokenizer == SNOWBALL
    manifest_path = settings.builds_dir / info.build_id / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["keyword_tokenizer"] == SNOWBALL
    index = Index(settings, info.build_id)
    assert [c.chunk_id for c, _ in index.keyword_search("family", 3)] == ["d#0"]
    # a build from before: no tokenizer in its manifest -> opened with the legacy one
    del manifest["keyword_tokenizer"]
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert Index(settings, info.build_id).keyword.tokenizer == LEGACY
