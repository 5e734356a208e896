"""The answer card from the Answer shape (ADR 12): lead first, quotes by document once, a sources
list that names each document and its pages once, missing subjects, related material, refusals.

Answers are built directly (no assistant) and rendered through the real ``_turn.html``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from flask import render_template

from assistant.types import Answer, LeadUnit
from tests.answer_shapes import BRIEFING, CITATIONS, GROUPS, Q1, Q2, Q3, Q4, REVIEW, shaped
from web.export import conversation_markdown
from web.presenters import turn_view


def render(app: Any, answer: Answer | dict[str, Any], turn_id: str = "t1") -> str:
    data = answer if isinstance(answer, Answer) else Answer.from_dict(answer)
    with app.test_request_context():
        return render_template("_turn.html", turn=turn_view(turn_id, 1, "What is it?", data))


def section(html: str, css_class: str) -> str:
    """The HTML of the first element with this class, up to the element's closing tag."""
    match = re.search(rf'<(\w+) class="{css_class}"[^>]*>', html)
    assert match, f"no .{css_class}"
    tag, start, depth = match.group(1), match.start(), 0
    for m in re.finditer(rf"<(/?){tag}\b[^>]*>", html[start:]):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return html[start : start + m.end()]
    raise AssertionError(f"unclosed .{css_class}")


def test_lead_comes_first_then_quotes_by_document_then_sources(app: Any) -> None:
    html = render(app, shaped())
    lead, groups, sources = (html.index(k) for k in ("rla-lead", "rla-groups", "rla-sources"))
    assert lead < groups < sources
    assert Q1 in section(html, "rla-lead") and Q2 not in section(html, "rla-lead")
    grouped = section(html, "rla-groups")
    assert "What the sources say" in grouped
    assert grouped.index(BRIEFING) < grouped.index(Q2) < grouped.index(Q3) < grouped.index(REVIEW)
    assert "2023 · Briefing" in grouped and "2022 · National review" in grouped


def test_each_quote_appears_once_and_the_sources_list_has_no_quotes(app: Any) -> None:
    html = render(app, shaped())
    for quote in (Q1, Q2, Q3, Q4):
        assert html.count(quote) == 1, quote
    listed = section(html, "rla-sources")
    assert "<blockquote" not in listed
    assert listed.count(f'<h4 class="rla-source__title">{BRIEFING}</h4>') == 1
    # pages once each, linked to the viewer with a quote from that page highlighted
    assert "/library/briefing?page=1&amp;q=Adultification+bias" in listed
    assert listed.count(">page 1<") == 1 and ">page 2<" in listed and ">page iv<" in listed
    assert 'href="https://example.org/briefing.pdf"' in listed  # the original, without #page
    assert "quotes [1] [2] [3]" in listed and "quote [4]" in listed


def test_citation_links_open_the_viewer_at_the_quote(app: Any) -> None:
    html = render(app, shaped())
    lead_link = re.search(
        r'<a class="govuk-link rla-cite" href="([^"]+)">', section(html, "rla-lead")
    )
    assert lead_link and lead_link.group(1).startswith("/library/briefing?page=1&amp;q=")
    assert "#q1" in lead_link.group(1)
    assert 'href="/library/review?page=4&amp;q=Professional+curiosity' in html


def test_missing_subjects_are_named(app: Any) -> None:
    html = render(app, shaped(status="partial", missing=("vaping", "stop and search")))
    assert "Partly answered" in html
    note = section(html, "govuk-inset-text rla-missing")
    assert "The library does not cover:" in note and "vaping; stop and search" in note
    assert "The library only answers part" not in html  # the specific note replaces the generic


def test_related_material_is_labelled_and_a_refusal_has_no_answer_controls(app: Any) -> None:
    answer = shaped(
        status="no_evidence",
        text=f"The library does not mention vaping.\n\nRelated material, not an answer:\n\n{Q4} [4]",
        lead=(),
        groups=(GROUPS[1],),
        related=True,
        refusal="absent_subject",
        citations=(CITATIONS[3],),
    )
    html = render(app, answer)
    assert "The library does not mention vaping." in html
    assert "Related material, not an answer:" not in html  # the reason only; groups say the rest
    related = section(html, "rla-related")
    assert "Related, not an answer" in related and Q4 in related
    assert html.count(Q4) == 1
    assert html.index("does not mention vaping") < html.index("Related, not an answer")
    assert 'data-refused="true"' in html
    for control in ("Copy answer", "How this answer was found", "Was this answer helpful?"):
        assert control not in html
    assert "Was this source relevant?" not in html
    assert "The nearest documents were these" not in html  # the related material shows them


@pytest.mark.parametrize(
    ("status", "refusal"),
    [
        ("out_of_scope", "off_purpose"),
        ("no_evidence", "no_evidence"),
        ("personal_data", "personal_data"),
        ("error", "error"),
        ("out_of_scope", None),  # a stored refusal from before the refusal field
    ],
)
def test_refusal_cards_lack_copy_how_found_and_helpful(
    app: Any, status: str, refusal: str | None
) -> None:
    answer = Answer(status=status, text="This is outside what the library covers.", refusal=refusal)
    html = render(app, answer, turn_id="t9")
    for control in ("Copy answer", "How this answer was found", "Was this answer helpful?"):
        assert control not in html
    assert "This is outside what the library covers." in html


def test_an_answer_has_the_three_controls(app: Any) -> None:
    html = render(app, shaped())
    for control in ("Copy answer", "How this answer was found", "Was this answer helpful?"):
        assert control in html
    assert html.count("Was this source relevant?") == 2  # one per document, not per quote
    assert 'action="/feedback/source/t1/1"' in html and 'action="/feedback/source/t1/4"' in html


def test_a_legacy_answer_renders_its_text_and_lists_sources_without_repeating_quotes(
    app: Any,
) -> None:
    legacy = shaped(text=f"{Q1} [1]\n\n{Q2} [2]\n\n{Q3} [3]\n\n{Q4} [4]").to_dict()
    for key in ("lead", "groups", "missing", "related", "refusal"):
        del legacy[key]  # as stored before the shape fields existed
    html = render(app, legacy)
    assert "rla-lead" not in html and "What the sources say" not in html
    for quote in (Q1, Q2, Q3, Q4):
        assert html.count(quote) == 1
    listed = section(html, "rla-sources")
    assert listed.count("rla-source__title") == 2  # two documents, each once
    assert ">page 1<" in listed and ">page 2<" in listed


def test_a_language_model_answer_shows_its_prose_and_the_quotes_by_document(app: Any) -> None:
    prose = "Reviews describe adultification as seeing children as older [1], [4]."
    html = render(app, shaped(text=prose, generator="llm", lead=(), groups=GROUPS))
    assert "Reviews describe adultification" in html
    assert Q2 in section(html, "rla-groups") and Q4 in section(html, "rla-groups")


def test_the_markdown_export_uses_the_shape_and_blockquotes(app: Any) -> None:
    from datetime import UTC, datetime

    from web.storage import StoredConversation, StoredTurn

    now = datetime(2026, 1, 2, tzinfo=UTC)
    turns = (
        StoredTurn(
            "t1",
            1,
            "What is it?",
            "partial",
            shaped(status="partial", missing=("vaping",)),
            now,
        ),
    )
    md = conversation_markdown(
        StoredConversation("c1", "What is it?", now, now, turns), base_url="http://host"
    )
    assert md.index(f"> {Q1} [1]") < md.index("#### What the sources say") < md.index(f"> {Q2} [2]")
    assert "The library does not cover: vaping." in md
    assert "    " + Q2 not in md  # blockquotes, not indented code blocks
    for quote in (Q1, Q2, Q3, Q4):
        assert md.count(quote) == 1
    assert f"- [1] [2] [3] **{BRIEFING}** — Demo Partnership, 2023, Briefing; pages 1, 2" in md
    assert "In this service, page iv: <http://host/library/review?page=4&q=" in md


def test_own_words_are_what_the_answerer_wrote_besides_its_evidence() -> None:
    from assistant.surfaces import notes, own_words

    listed = "The rules are:\n1. Be open.\n2. Keep a record."
    partial = shaped(
        status="partial",
        text=f"{listed} [1]\n\nThe library does not mention “vaping”; what it holds on the rest "
        f"of the question is below.\n\nWhat the sources say:\n\n{BRIEFING} (2023, briefing):\n"
        f"{Q2} [2]\n{Q3} [3]\n\n{REVIEW} (2022, national review):\n{Q4}  [4]",
        lead=(LeadUnit(1, listed),),
        citations=(replace(CITATIONS[0], quote=listed), *CITATIONS[1:]),
        missing=("vaping",),
    )
    said = (
        "The library does not mention “vaping”; what it holds on the rest of the question is below.",
    )
    assert own_words(partial) == said
    assert notes(partial) == said  # the answerer's sentence, not a second one of ours
    assert notes(replace(partial, text=f"{listed} [1]")) == ("The library does not cover: vaping.",)
    refused = replace(
        partial,
        status="no_evidence",
        text="The library does not mention “vaping”. It searched 3 documents.\n\n"
        "The nearest material it holds is below, for reference only: it is related, not an "
        f"answer.\n\n{REVIEW} (2022, national review):\n{Q4} [4]",
    )
    assert own_words(refused) == (
        "The library does not mention “vaping”. It searched 3 documents.",
        "The nearest material it holds is below, for reference only: it is related, not an answer.",
    )


def test_stored_turns_keep_the_shape_fields(app: Any) -> None:
    store = app.extensions["rla"].store
    conversation = store.new_conversation("owner-1")
    answer = shaped(status="partial", missing=("vaping",))
    turn = store.add_turn(conversation, "owner-1", "What is it?", answer)
    stored = store.turn(turn.turn_id).answer
    assert stored.lead == (LeadUnit(1, Q1),)
    assert stored.groups[0].citations == (2, 3) and stored.groups[1].pages == ("iv",)
    assert stored.missing == ("vaping",) and stored.related is False
    assert stored.refusal is None
    assert stored == answer
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    html = token.sub("", render(app, stored))  # read back, the same card as the fresh answer
    assert html == token.sub("", render(app, answer))
