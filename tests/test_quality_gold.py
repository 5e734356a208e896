"""Quality floor on ../shared/evals/gold-v1.jsonl with the real model and a real demo build.

* retrieval: the expected document is among the cited documents or the top-5 passages for at
  least 90% of the answerable questions (follow-ups asked with their earlier question as history);
* honesty: none of the questions the library cannot support comes back ``answered``;
* faithfulness: every quote of every answer is verbatim on the cited page of the cited document.

Our own extra questions check that the rules generalise beyond the gold ids.
"""

from __future__ import annotations

import json
from functools import cache

import pytest

from assistant.pipeline import build_assistant
from assistant.prompts import core_message
from assistant.text.normalisation import quote_key
from assistant.types import Answer, Turn

pytestmark = pytest.mark.integration

FOLLOW_UPS = {"q40": "q14", "q42": "q10", "q43": "q23", "q44": "q06"}

OFF_TOPIC = [  # should be no_evidence or out_of_scope
    "How do I bake sourdough bread?",
    "What is the best programming language for data science?",
    "How do solar panels generate electricity?",
    "What are the symptoms of type 2 diabetes in adults?",
]
NOT_HELD = [  # on-topic, but asking for what the library cannot give: never answered
    "What were the findings of the Baby P serious case review?",
    "What does the Welsh safeguarding guidance say about county lines?",
    "On which page of the Child Q briefing are schools discussed?",
    "Quote the national review of Arthur and Star word for word.",
    "List all 8 recommendations of the national review in full.",
]
ANSWERABLE = {  # own phrasings: answered, with the document cited
    "What is adultification?": "adultification-bias-evidence-and-practice",
    "Why were fathers invisible to services?": "myth-of-invisible-men-male-carers-2021",
    "What is a rapid review?": "working-together-2023-child-safeguarding-review-system",
    "What happened to Victoria Climbié?": "victoria-climbie-inquiry-race-and-culture",
}


@pytest.fixture(scope="module")
def gold(gold_path):  # type: ignore[no-untyped-def]
    with gold_path.open(encoding="utf-8") as fh:
        return {row["id"]: row for row in map(json.loads, fh)}


@pytest.fixture(scope="module")
def ask(demo_index, real_embedder):  # type: ignore[no-untyped-def]
    settings, index = demo_index
    assistant = build_assistant(settings, embedder=real_embedder, index=index)

    @cache
    def run(question: str, previous: str = "") -> Answer:
        history = [Turn(previous)] if previous else []
        return assistant.ask(question, history)

    return run


def _answer(ask, gold, qid: str) -> Answer:  # type: ignore[no-untyped-def]
    row = gold[qid]
    previous = gold[row["follows"]]["question"] if row.get("follows") else ""
    return ask(row["question"], previous)


def _doc(doc_id: str) -> str:
    return doc_id + ".md"


def _found(answer: Answer) -> set[str]:
    cited = {_doc(c.doc_id) for c in answer.citations}
    return cited | {_doc(p.chunk.doc_id) for p in answer.passages[:5]}


def test_expected_document_found_for_90_percent_of_answerable(ask, gold) -> None:  # type: ignore[no-untyped-def]
    answerable = [qid for qid, row in gold.items() if row["answerable"]]
    misses = [
        qid
        for qid in answerable
        if not _found(_answer(ask, gold, qid)) & set(gold[qid]["expected_docs"])
    ]
    hit_rate = 1 - len(misses) / len(answerable)
    print(f"\nhit@5 (cited or top-5): {hit_rate:.3f} over {len(answerable)}; misses: {misses}")
    assert hit_rate >= 0.90, misses


@pytest.mark.parametrize("qid", sorted(FOLLOW_UPS))
def test_follow_ups_retrieve_the_right_document(ask, gold, qid: str) -> None:  # type: ignore[no-untyped-def]
    assert gold[qid]["follows"] == FOLLOW_UPS[qid]
    answer = _answer(ask, gold, qid)
    assert _found(answer) & set(gold[qid]["expected_docs"]), answer.search_query


def test_nothing_the_library_cannot_support_is_answered(ask, gold) -> None:  # type: ignore[no-untyped-def]
    statuses = {
        qid: _answer(ask, gold, qid).status for qid, row in gold.items() if not row["answerable"]
    }
    print(f"\nunanswerable/out-of-scope statuses: {statuses}")
    assert statuses and all(
        s in ("no_evidence", "out_of_scope", "partial") for s in statuses.values()
    )


def test_every_quote_is_verbatim_on_its_cited_page(ask, gold, demo_index) -> None:  # type: ignore[no-untyped-def]
    _, index = demo_index
    checked = 0
    for qid in gold:
        for c in _answer(ask, gold, qid).citations:
            pages = [
                p.text
                for p in index.pages(c.doc_id)
                if c.page_index_start <= p.index <= c.page_index_end
            ]
            assert quote_key(c.quote) in quote_key(" ".join(pages)), (qid, c.quote)
            assert c.verified
            checked += 1
    assert checked > 50


PARTIAL_OPENINGS = (
    "The library does not mention",
    "The library does not answer",
    "The library mentions",
    "The passages found do not",
)


def test_answer_bodies_are_only_quotes(ask, gold) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for qid in gold:
        answer = _answer(ask, gold, qid)
        if answer.status not in ("answered", "partial"):
            continue
        checked += 1
        body = answer.text
        for c in answer.citations:
            body = body.replace(f"{c.quote} [{c.n}]", "")
        titles = {c.title for c in answer.citations}
        for line in filter(None, (x.strip() for x in body.splitlines())):
            canned = line == core_message("sources_heading") or line.startswith(PARTIAL_OPENINGS)
            titled = line.endswith(":") and any(line.startswith(t) for t in titles)
            assert canned or titled, (qid, line[:200])
    assert checked >= len(gold) // 2, "most gold questions should be answered"


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_are_not_answered(ask, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = ask(question)
    assert answer.status in ("no_evidence", "out_of_scope")
    assert answer.citations == ()


@pytest.mark.parametrize("question", NOT_HELD)
def test_what_the_library_does_not_hold_is_never_answered(ask, question: str) -> None:  # type: ignore[no-untyped-def]
    answer = ask(question)
    assert answer.status in ("partial", "no_evidence", "out_of_scope"), answer.text[:300]
    if answer.status == "partial":
        assert len(answer.notices) >= 1


@pytest.mark.parametrize(("question", "doc_id"), sorted(ANSWERABLE.items()))
def test_own_answerable_questions_are_answered(ask, question: str, doc_id: str) -> None:  # type: ignore[no-untyped-def]
    answer = ask(question)
    assert answer.status == "answered", answer.notices
    assert doc_id in {c.doc_id for c in answer.citations}
