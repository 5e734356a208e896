"""The answer pipeline, step by step, with the hashing fake embedder and a tiny real build."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence

import pytest

from assistant.errors import ConfigurationError
from assistant.generation import ANSWERERS
from assistant.generation.base import Draft
from assistant.pipeline import Assistant, build_assistant
from assistant.settings import Settings
from assistant.types import Citation, Passage, Turn
from tests.answering_support import DocSpec, write_pages_build
from tests.fakes import HashingEmbedder

SPECS = [
    DocSpec(
        "child-q",
        "Child Q review",
        [
            "The strip search of Child Q at school should never have happened. School staff "
            "deferred to the police and should have challenged the officers.\n\n"
            "Racism was likely to have been an influencing factor in the decision to search.",
            "Adultification bias probably influenced the practitioners, who saw a Black girl as "
            "older and less vulnerable than she was.",
        ],
        themes=("adultification",),
    ),
    DocSpec(
        "review-system",
        "The review system",
        [
            "A local authority must notify the national Panel of a serious incident within five "
            "working days. The safeguarding partners then carry out a rapid review."
        ],
        doc_type="guidance",
        year=2023,
    ),
    DocSpec(
        "fathers",
        "Male carers of babies",
        ["Fathers and male carers of babies under one were often invisible to services."],
        doc_type="national_review",
        year=2021,
    ),
]


def _settings(tmp_path, **overrides) -> Settings:  # type: ignore[no-untyped-def]
    values = {
        "relevance_threshold": 0.1,
        "evidence_no_evidence": 0.05,  # the hashing embedder's scale, not MiniLM's
        "evidence_answered": 0.1,
        **overrides,
    }
    return Settings(data_dir=tmp_path, _env_file=None, **values)


@pytest.fixture()
def embedder() -> HashingEmbedder:
    return HashingEmbedder(dimensions=256)


@pytest.fixture()
def assistant(tmp_path, embedder) -> Assistant:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path)
    index = write_pages_build(settings, SPECS, embedder, is_demo=True)
    return build_assistant(settings, embedder=embedder, index=index)


def test_answered_with_verified_citations_metrics_and_what_was_searched(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("Why should the school staff have challenged the police strip search?")
    assert answer.status == "answered", answer.notices
    assert answer.generator == "extractive"
    assert answer.citations and all(c.verified for c in answer.citations)
    assert answer.citations[0].doc_id == "child-q"
    assert answer.text.startswith(f"{answer.citations[0].quote} [1]")
    assert answer.lead and answer.lead[0].n == 1 and answer.refusal is None
    assert answer.groups[0].doc_id == "child-q" and 1 not in answer.groups[0].citations
    assert answer.searched.documents_in_library == 3
    assert "Child Q review" in answer.searched.documents_matched
    assert answer.searched.nearest == ()
    for step in (
        "check_input_ms",
        "condense_ms",
        "retrieve_ms",
        "generate_ms",
        "verify_citations_ms",
    ):
        assert step in answer.metrics
    assert answer.build_id == assistant.index.build_id
    assert any("demo library" in n for n in answer.notices)
    data = answer.to_dict()
    assert data["citations"][0]["viewer_url"].startswith("/library/child-q?page=")


def test_below_threshold_is_no_evidence_with_nearest_documents(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path, relevance_threshold=0.99)
    a = build_assistant(
        settings, embedder=embedder, index=write_pages_build(settings, SPECS, embedder)
    )
    answer = a.ask("What about strip search at school?")
    assert answer.status == "no_evidence"
    assert answer.citations == ()
    assert answer.searched.nearest and answer.searched.nearest[0] == "Child Q review"
    assert "not used as evidence" in answer.text


def test_filters_that_match_nothing_say_so(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("strip search at school", filters={"year_from": 2030})
    assert answer.status == "no_evidence"
    assert "filter" in answer.text.lower()
    assert answer.searched.filters.year_from == 2030


def test_filters_restrict_the_evidence(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(
        "notify the Panel of a serious incident", filters={"doc_type": "guidance"}
    )
    assert answer.status in ("answered", "partial")
    assert {c.doc_id for c in answer.citations} == {"review-system"}


def test_malformed_filters_are_an_error_answer_not_an_exception(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("strip search", filters={"year_from": "last year"})
    assert answer.status == "error" and "filter" in answer.text


def test_personal_data_stops_before_searching(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(
        "My client is jane.doe@example.org, what does Child Q say about schools?"
    )
    assert answer.status == "personal_data"
    assert answer.passages == () and answer.search_query == ""
    assert "retrieve_ms" not in answer.metrics


def test_out_of_scope_is_refused(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("Could Child Q's family sue the school, and would they win?")
    assert answer.status == "out_of_scope" and answer.citations == ()


class _Broken(HashingEmbedder):
    def embed_query(self, text: str) -> list[float]:
        raise RuntimeError("boom " + text)


def test_unexpected_exceptions_become_an_error_status_without_logging_the_question(
    tmp_path, embedder, caplog
) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path)
    index = write_pages_build(settings, SPECS, embedder)
    broken = _Broken(dimensions=256)
    a = build_assistant(settings, embedder=broken, index=index)
    secret = "What did the review say about Zebedee Quixote-Smith?"
    with caplog.at_level(logging.DEBUG):
        answer = a.ask(secret)
    assert answer.status == "error"
    assert "went wrong" in answer.text
    assert "Zebedee" not in caplog.text and "RuntimeError" in caplog.text


def test_malformed_history_is_an_error_answer(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("What about it?", history=[42])  # type: ignore[list-item]
    assert answer.status == "error"


def test_follow_up_searches_with_the_previous_subject(assistant) -> None:  # type: ignore[no-untyped-def]
    history = [Turn("What did the Child Q review find about the strip search?", "...")]
    answer = assistant.ask("What did it say about adultification?", history)
    assert "Child Q" in answer.search_query
    assert answer.citations[0].doc_id == "child-q"


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("On which page does the Child Q review discuss racism?", "no printed page numbers"),
        ("Quote the Child Q review's findings on racism word for word.", "word for word"),
    ],
)
def test_partial_when_the_library_covers_only_part(assistant, question: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(question)
    assert answer.status == "partial"
    assert any(fragment in n for n in answer.notices), answer.notices
    assert answer.citations  # what the library does hold is still quoted


def test_a_named_child_the_library_does_not_hold_is_refused_without_repeating_more(
    assistant,
) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("Did the Child Q review mention Zebedee Quixote-Smith?")
    assert answer.status == "no_evidence" and answer.refusal == "absent_subject"
    assert answer.missing == ("a name in the question",)  # a typed name is never repeated
    assert answer.text.startswith("The library does not mention a name in the question")
    assert "Zebedee" not in answer.text
    assert answer.lead == ()
    assert answer.related == bool(answer.citations)


def test_weak_evidence_is_partial(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path, relevance_threshold=0.1, evidence_answered=1.5)
    a = build_assistant(
        settings, embedder=embedder, index=write_pages_build(settings, SPECS, embedder)
    )
    answer = a.ask("What did the Child Q review find about racism?")
    assert answer.status == "partial"
    assert any("only partly match" in n for n in answer.notices)


def test_live_case_is_partial_with_signposting(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(
        "A 14-year-old girl I'm working with was strip searched at school. What does Child Q say?"
    )
    assert answer.status == "partial"
    assert any("safeguarding procedures" in n for n in answer.notices)
    assert answer.citations


def test_llm_requested_without_a_model_falls_back_with_a_notice(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("What did the Child Q review find about racism?", generator="llm")
    assert answer.generator == "extractive"
    assert any("No language model" in n for n in answer.notices)


class _LyingAnswerer:
    name = "llm"

    def answer(self, question: str, passages: Sequence[Passage], *, history=()) -> Draft:  # type: ignore[no-untyped-def]
        fake = Citation(
            1, "child-q", "child-q#0", "Child Q review", "Racism was ruled out.", "1", "1", 1, 1
        )
        return Draft("Racism was ruled out [1]. See [7].", (fake,), "llm")

    def stream(self, question, passages, *, history=()) -> Iterator[str | Draft]:  # type: ignore[no-untyped-def]
        yield self.answer(question, passages)


def test_unverifiable_llm_answer_is_replaced_by_the_extractive_one(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path)
    index = write_pages_build(settings, SPECS, embedder)
    lying = {**ANSWERERS, "llm": lambda parts: _LyingAnswerer()}
    a = build_assistant(
        settings, embedder=embedder, index=index, chat_model=object(), answerers=lying
    )
    answer = a.ask("What did the Child Q review find about racism?", generator="llm")
    assert answer.generator == "extractive"
    assert "ruled out" not in answer.text
    assert all(c.verified for c in answer.citations) and answer.citations
    assert answer.notices


def test_injected_answerers_answer_for_every_build_served(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path)
    index = write_pages_build(settings, SPECS, embedder)
    made: list[object] = []

    def counting(parts):  # type: ignore[no-untyped-def]
        made.append(parts.pages)
        return ANSWERERS["extractive"](parts)

    a = build_assistant(
        settings, embedder=embedder, index=index, answerers={"extractive": counting}
    )
    first = a.ask("What did the Child Q review find about racism?")
    write_pages_build(settings, SPECS[:1], embedder)
    assert a.reload_if_swapped() is True
    second = a.ask("What did the Child Q review find about racism?")
    assert first.status == second.status == "answered"
    assert len(made) == 2  # one answerer per served build, each from the injected factory
    assert made[0] != made[1]
    assert first.build_id != second.build_id


def test_an_answerer_missing_from_the_injected_registry_is_an_error_answer(
    tmp_path, embedder
) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path)
    index = write_pages_build(settings, SPECS, embedder)
    only_extractive = {"extractive": ANSWERERS["extractive"]}
    a = build_assistant(
        settings, embedder=embedder, index=index, chat_model=object(), answerers=only_extractive
    )
    question = "What did the Child Q review find about racism?"
    assert a.ask(question).status == "answered"
    assert a.ask(question, generator="llm").status == "error"


def test_ask_stream_yields_tokens_then_exactly_one_answer(assistant) -> None:  # type: ignore[no-untyped-def]
    events = list(assistant.ask_stream("What did the Child Q review find about racism?"))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "answer" and kinds.count("answer") == 1
    assert set(kinds[:-1]) == {"token"}
    answer = events[-1][1]
    assert "".join(str(v) for k, v in events[:-1]) == answer.text
    assert answer.status == "answered"


def test_ask_stream_refusal_has_no_tokens(assistant) -> None:  # type: ignore[no-untyped-def]
    events = list(assistant.ask_stream("call me on 07700 900123 about the strip search"))
    assert [k for k, _ in events] == ["answer"]
    assert events[0][1].status == "personal_data"


def test_search_returns_passages(assistant) -> None:  # type: ignore[no-untyped-def]
    passages = assistant.search("fathers of babies", k=2)
    assert len(passages) == 2 and passages[0].document.doc_id == "fathers"


def test_reload_if_swapped_reopens_the_new_build(tmp_path, embedder, assistant) -> None:  # type: ignore[no-untyped-def]
    assert assistant.reload_if_swapped() is False
    old = assistant.index.build_id
    new_index = write_pages_build(assistant.settings, SPECS[:1], embedder)
    assert assistant.reload_if_swapped() is True
    assert assistant.index.build_id == new_index.build_id != old
    assert assistant.ask("What about strip search?").searched.documents_in_library == 1
    assert assistant.reload_if_swapped() is False


def test_a_build_from_another_embedding_model_is_refused(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = _settings(tmp_path)
    index = write_pages_build(settings, SPECS, embedder)
    other = HashingEmbedder(dimensions=256)
    other.name = "another/model"
    with pytest.raises(ConfigurationError):
        build_assistant(settings, embedder=other, index=index)


def test_a_named_review_the_library_does_not_hold_is_refused_though_its_topic_is_covered(
    assistant,
) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(
        "What did the Zebrowski review say about school staff who deferred to the police "
        "before the strip search of Child Q?"
    )
    assert answer.status == "no_evidence" and answer.refusal == "absent_subject"
    assert "Zebrowski" not in answer.text
    # the same topic without the unknown review's name is answered
    assert assistant.ask(
        "What was said about school staff who deferred to the police before the strip search?"
    ).status in (
        "answered",
        "partial",
    )


def test_a_child_named_after_the_death_of_is_the_topic(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(
        "What did the national Panel learn about rapid reviews after the death of Tobias Wrenfield?"
    )
    assert answer.status == "no_evidence" and answer.refusal == "absent_subject"
    assert "Wrenfield" not in answer.text


def test_an_absent_topic_is_refused_though_the_group_it_concerns_is_covered(assistant) -> None:  # type: ignore[no-untyped-def]
    # "sextortion" heads the topic; the Black girl of the Child Q review does not make it covered
    answer = assistant.ask(
        "What do the reviews say about sextortion of a Black girl at school by police officers?"
    )
    assert answer.status == "no_evidence" and answer.refusal == "absent_subject"
    assert answer.missing == ("sextortion",)


def test_a_topic_head_the_library_lacks_is_refused_and_named(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("What is the learning on self-harm among Black girls at school?")
    assert answer.status == "no_evidence" and answer.refusal == "absent_subject"
    assert answer.missing == ("self-harm",)


def test_a_topic_whose_kind_the_library_never_names_is_refused(assistant) -> None:  # type: ignore[no-untyped-def]
    # "search" and "school" are held; "knife" is not, so "knife crime at school" is absent
    answer = assistant.ask("What have reviews found about knife crime at school?")
    assert answer.status == "no_evidence" and answer.refusal == "absent_subject"
    assert answer.missing == ("knife crime",)
    # the held topic asked the same way is answered
    assert assistant.ask("What have reviews found about strip search at school?").status in (
        "answered",
        "partial",
    )


def test_a_law_the_library_does_not_hold_is_refused(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask("How does the Zebrowski Act apply to the strip search of a Black girl?")
    assert answer.status == "no_evidence" and answer.refusal == "absent_subject"
    assert "Zebrowski" not in answer.text


def test_a_group_the_library_never_names_is_refused_beside_words_it_is_all_about(
    tmp_path, embedder
) -> None:  # type: ignore[no-untyped-def]
    # every chunk here is about safeguarding: holding the word says nothing about Polish families
    specs = [
        DocSpec(f"d{i}", f"Review {i}", [f"Safeguarding lesson {i}: {text}"])
        for i, text in enumerate(
            [
                "Black boys were seen as older than they were.",
                "Interpreters were not used with Somali mothers.",
                "Practitioners did not ask about faith or culture.",
            ]
        )
    ]
    settings = _settings(tmp_path)
    index = write_pages_build(settings, specs, embedder)
    helper = build_assistant(settings, embedder=embedder, index=index)
    answer = helper.ask("Any learning on safeguarding Polish families?")
    assert answer.status == "no_evidence" and answer.missing == ("Polish",)
    # a group the library does name, asked the same way, is not refused as absent
    assert helper.ask("Any learning on safeguarding Somali families?").refusal != "absent_subject"


def test_a_name_said_another_way_round_or_with_an_acronym_is_held(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    specs = [
        DocSpec(
            "launch",
            "Launch of the review",
            [
                "The Minister for Children and Families said the findings were abhorrent. "
                "The national review of intrafamilial child sexual abuse made eight "
                "recommendations. Schools should give lessons in education about consent."
            ],
        )
    ]
    settings = _settings(tmp_path)
    index = write_pages_build(settings, specs, embedder)
    helper = build_assistant(settings, embedder=embedder, index=index)
    for question in (
        "What did the Children and Families Minister say about the findings?",
        "Intrafamilial CSA national review: how many recommendations did it make?",
        "wat did the minister say about the findings",
    ):
        assert helper.ask(question).refusal != "absent_subject", question
    # both words are held, but never together: no such minister in the library
    answer = helper.ask("What did the Education Minister say about the findings?")
    assert answer.status == "no_evidence" and answer.refusal == "absent_subject"


def test_a_unit_holding_most_of_the_questions_words_answers_in_part_below_the_floor(
    tmp_path, embedder
) -> None:  # type: ignore[no-untyped-def]
    # the floor is set above any score here: only the question's own words can carry it
    settings = _settings(tmp_path, evidence_no_evidence=0.9, evidence_answered=0.95)
    index = write_pages_build(settings, SPECS, embedder, is_demo=True)
    helper = build_assistant(settings, embedder=embedder, index=index)
    worded = helper.ask("Did school staff defer to the police over the strip search?")
    assert worded.status == "partial" and worded.citations
    assert helper.ask("Which vitamins should toddlers take in winter?").status == "no_evidence"


def test_a_typing_slip_is_searched_as_the_library_word_not_refused_as_absent(assistant) -> None:  # type: ignore[no-untyped-def]
    right = assistant.ask("What did the police do in the strip search?")
    slip = assistant.ask("What did the polce do in the strip serch?")
    assert right.status == "answered"
    assert slip.status == right.status and slip.missing == ()
    assert [c.doc_id for c in slip.citations] == [c.doc_id for c in right.citations]
    # a word the library lacks that is no slip is still absent
    absent = assistant.ask("What did the police do about vaping?")
    assert absent.status == "no_evidence" and "vaping" in absent.missing


def test_warming_counts_the_library_words_and_acronyms_before_the_first_question(assistant) -> None:  # type: ignore[no-untyped-def]
    words = assistant._served.selector.library
    assert words._terms is None and words._glossary is None  # made lazily ...
    assistant.warm()  # ... or ahead of the first question, as serving does
    assert words._terms is not None and words._terms.n == len(assistant.index.chunks)
    assert words._glossary is not None and "dsl" in words._glossary


def test_a_missing_part_is_quoted_back_without_the_name_in_it(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(
        "What did the Child Q review find about racism, and where does Zebedee Quixote-Smith "
        "go to school?"
    )
    assert answer.status == "partial"
    assert "a name in the question" in answer.missing
    assert "where does [a name] go to school" in answer.missing
    shown = " ".join([answer.text, *answer.missing, *answer.notices])
    assert "Zebedee" not in shown and "Quixote" not in shown


def test_a_part_pointing_back_is_not_answered_by_a_unit_only_worded_like_it(
    tmp_path, embedder
) -> None:  # type: ignore[no-untyped-def]
    specs = [
        *SPECS,
        DocSpec(
            "training",
            "Training budgets",
            ["The department meets the costs of a training programme for mental health leads."],
            doc_type="guidance",
            year=2024,
        ),
    ]
    settings = _settings(tmp_path)
    a = build_assistant(
        settings, embedder=embedder, index=write_pages_build(settings, specs, embedder)
    )
    answer = a.ask(
        "How soon must a local authority notify the national Panel of a serious incident, "
        "and does it cost anything?"
    )
    assert answer.citations and answer.citations[0].doc_id == "review-system"
    # "it" is the notification: a sentence about other costs answers nothing here
    assert all(c.doc_id != "training" for c in answer.citations)
    assert "does it cost anything" in answer.missing


def test_a_name_the_library_holds_is_quoted_back_in_a_missing_part(assistant) -> None:  # type: ignore[no-untyped-def]
    answer = assistant.ask(
        "What did the Child Q review find about racism, and did Zebedee Quixote-Smith or "
        "Child Q's teachers get any counselling?"
    )
    assert "did [a name] or Child Q's teachers get any counselling" in answer.missing
    assert not any("Zebedee" in m or "Quixote" in m for m in answer.missing)
