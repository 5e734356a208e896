"""Where a list starts and ends: the lead-in, its items, and the text around them."""

from __future__ import annotations

from assistant.text.units import MAX_LIST_CHARS, units


def lists(text: str) -> list[str]:
    return [u.text for u in units(text) if u.kind == "list"]


def test_the_next_numbered_paragraph_is_not_an_item_of_a_numbered_lead_ins_list() -> None:
    text = (
        "41. When weighing a past caution, the panel should consider, among other things:\n\n"
        "• how long ago it was given\n\n"
        "• whether it was a single event\n\n"
        "42. The panel should record how it reached its view on every caution it weighed.\n\n"
        "43. Where a check is still outstanding, the person must be supervised at all times."
    )
    assert lists(text) == [
        "When weighing a past caution, the panel should consider, among other things:\n"
        "• how long ago it was given\n"
        "• whether it was a single event"
    ]


def test_numbered_paragraphs_after_bullets_end_the_bulleted_list() -> None:
    text = (
        "The visit notes should say:\n\n"
        "• who was present\n\n"
        "• what the child said\n\n"
        "1. Store the notes on the child's file on the same day as the visit."
    )
    (found,) = lists(text)
    assert "Store the notes" not in found
    assert found.endswith("• what the child said")


def test_an_item_broken_by_a_blank_line_mid_sentence_is_read_whole() -> None:
    text = (
        "Fresh checks are needed when:\n\n"
        "• a volunteer moves from unsupervised work into work that counts as regulated\n\n"
        "activity with children\n\n"
        "• there has been a break in service of three months or more"
    )
    assert lists(text) == [
        "Fresh checks are needed when:\n"
        "• a volunteer moves from unsupervised work into work that counts as regulated "
        "activity with children\n"
        "• there has been a break in service of three months or more"
    ]


def test_a_lowercase_paragraph_after_a_finished_item_is_not_joined_to_it() -> None:
    text = (
        "Fresh checks are needed when:\n\n"
        "• a volunteer changes role.\n\n"
        "• there has been a long break in service.\n\n"
        "and in any case when concerns are raised."
    )
    (found,) = lists(text)
    assert "concerns are raised" not in found


def test_a_long_marked_list_keeps_its_lead_in_and_the_items_that_fit() -> None:
    items = [
        f"• item number {n} says something about practice in {'some detail ' * 8}" for n in range(9)
    ]
    text = "Practitioners should:\n\n" + "\n\n".join(items)
    (found,) = lists(text)
    assert found.startswith("Practitioners should:\n• item number 0")
    assert len(found) <= MAX_LIST_CHARS
    kept = found.count("• item number")
    assert 2 <= kept < 9
    assert f"• item number {kept - 1} " in found and f"• item number {kept} " not in found


def test_unmarked_short_paragraphs_too_long_together_are_not_cut_into_a_list() -> None:
    paragraphs = [
        f"Point {n} is made at length about {'practice and supervision ' * 6}." for n in range(7)
    ]
    text = "The main points:\n\n" + "\n\n".join(paragraphs)
    assert lists(text) == []
    assert len(lists("The main points:\n\n" + "\n\n".join(paragraphs[:3]))) == 1  # short: one


def test_a_bare_lead_in_brings_the_sentence_that_says_what_the_list_is_about() -> None:
    text = (
        "In May 2024 the partnership published a follow-up report on the school visits. "
        "According to local press:\n\n"
        "• it heard from about 60 pupils\n\n"
        "• it found gaps in training"
    )
    assert lists(text)[0].startswith(
        "In May 2024 the partnership published a follow-up report on the school visits. "
        "According to local press:\n• it heard"
    )


def test_a_lead_in_that_names_its_subject_stands_alone() -> None:
    text = (
        "The partnership met in May. The follow-up report on the school visits found:\n\n"
        "• gaps in training\n\n"
        "• delays in referrals"
    )
    assert lists(text)[0].startswith("The follow-up report on the school visits found:\n")
