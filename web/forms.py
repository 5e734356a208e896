"""Reading and validating what people send: the question form, its filters, feedback.

Plain functions over mappings (form data or JSON) that return values or a list of field errors in
the GOV.UK error-summary shape (field id, message). CSRF is handled by Flask-WTF's CSRFProtect.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.checks import personal_data
from assistant.checks.guardrails import personal_data_kinds
from assistant.types import Filters, Turn
from web.presenters import FEEDBACK_REASONS

MIN_YEAR, MAX_YEAR = 1900, 2100
REASON_KEYS = tuple(key for key, _ in FEEDBACK_REASONS)


@dataclass(frozen=True)
class FieldError:
    field: str  # the id of the input the error-summary link points at
    message: str


@dataclass(frozen=True)
class AskRequest:
    question: str
    filters: Filters
    conversation_id: str = ""
    history: tuple[Turn, ...] = ()
    errors: tuple[FieldError, ...] = ()
    form: Mapping[str, str] = field(default_factory=dict)  # raw values to redisplay
    generator: str | None = None  # JSON API only: "extractive" or "llm"; None: the default


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    return value.strip() if isinstance(value, str) else ""


def _year(raw: Any, field_id: str, label: str, errors: list[FieldError]) -> int | None:
    if raw in (None, ""):
        return None
    try:
        year = int(str(raw).strip())
    except ValueError:
        errors.append(FieldError(field_id, f"{label} must be a year, like 2020"))
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        errors.append(FieldError(field_id, f"{label} must be between {MIN_YEAR} and {MAX_YEAR}"))
        return None
    return year


def _listish(value: Any) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence):
        return tuple(str(v) for v in value if str(v))
    return ()


def parse_filters(data: Mapping[str, Any], errors: list[FieldError]) -> Filters:
    """Filters from a form (``theme``, ``doc_type``, ``area``, ``doc_id``) or JSON (the plural
    keys ``themes``, ``doc_types``, ``areas``, ``doc_ids`` take lists too)."""
    themes = _listish(data.get("themes", data.get("theme")))
    doc_types = _listish(data.get("doc_types", data.get("doc_type")))
    areas = _listish(data.get("areas", data.get("area")))
    doc_ids = _listish(data.get("doc_ids", data.get("doc_id")))
    year_from = _year(data.get("year_from"), "year_from", "‘From’ year", errors)
    year_to = _year(data.get("year_to"), "year_to", "‘To’ year", errors)
    if year_from is not None and year_to is not None and year_from > year_to:
        errors.append(FieldError("year_to", "‘To’ year must be the same as or after ‘From’ year"))
    return Filters(
        doc_types=doc_types,
        themes=themes,
        areas=areas,
        doc_ids=doc_ids,
        year_from=year_from,
        year_to=year_to,
    )


def parse_question(question: Any, max_chars: int, errors: list[FieldError]) -> str:
    if not isinstance(question, str) or not question.strip():
        errors.append(FieldError("question", "Enter a question"))
        return ""
    text: str = question.strip()
    if len(text) > max_chars:
        errors.append(FieldError("question", f"Question must be {max_chars:,} characters or fewer"))
    return text


def parse_history(raw: Any, errors: list[FieldError]) -> tuple[Turn, ...]:
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list) or not all(_is_turn(t) for t in raw):
        errors.append(FieldError("history", "history must be a list of {question, answer}"))
        return ()
    return tuple(Turn.from_dict(t) for t in raw)


def _is_turn(item: Any) -> bool:
    """A {question, answer} mapping whose values are text (never nested structures)."""
    return isinstance(item, Mapping) and all(
        isinstance(item.get(key, ""), str) for key in ("question", "answer")
    )


def parse_ask(data: Mapping[str, Any], max_chars: int) -> AskRequest:
    errors: list[FieldError] = []
    question = parse_question(data.get("question"), max_chars, errors)
    nested = data.get("filters")
    if nested is not None and not isinstance(nested, Mapping):
        errors.append(FieldError("filters", "filters must be an object"))
    filters = parse_filters(
        {**data, **(nested or {})} if isinstance(nested, Mapping) else data, errors
    )
    history = parse_history(data.get("history"), errors)
    conversation_id = data.get("conversation_id") or ""
    if not isinstance(conversation_id, str):
        errors.append(FieldError("conversation_id", "conversation_id must be a string"))
        conversation_id = ""
    form = {k: _text(data, k) for k in ("question", "theme", "doc_type", "year_from", "year_to")}
    raw_question = data.get("question")
    form["question"] = raw_question if isinstance(raw_question, str) else ""
    generator = parse_generator(data.get("generator"), errors)
    return AskRequest(
        question, filters, conversation_id.strip(), history, tuple(errors), form, generator
    )


GENERATORS = ("extractive", "llm")


def parse_generator(value: Any, errors: list[FieldError]) -> str | None:
    """An optional answerer choice; "llm" without a configured model falls back to extractive."""
    if value is None or value == "":
        return None
    if value not in GENERATORS:
        errors.append(FieldError("generator", "generator must be extractive or llm"))
        return None
    return str(value)


@dataclass(frozen=True)
class FeedbackInput:
    rating: str
    reasons: tuple[str, ...]
    comment: str
    errors: tuple[FieldError, ...]


def parse_answer_feedback(
    rating: Any, reasons: Sequence[Any], comment: Any, max_chars: int
) -> FeedbackInput:
    errors: list[FieldError] = []
    if rating not in ("helpful", "not_helpful"):
        errors.append(FieldError("rating", "Select whether the answer was helpful"))
    clean_reasons = tuple(r for r in (str(x) for x in reasons) if r in REASON_KEYS)
    if len(clean_reasons) != len(reasons):
        errors.append(FieldError("reasons", "Choose reasons from the list"))
    comment = comment.strip() if isinstance(comment, str) else ""
    if len(comment) > max_chars:
        errors.append(FieldError("comment", f"Comment must be {max_chars} characters or fewer"))
    kinds = personal_data_kinds(comment)
    if kinds:  # refused: a comment with personal details is never stored or exported
        errors.append(
            FieldError(
                "comment",
                f"Remove {personal_data.describe(kinds)} from your comment: "
                "do not include details that could identify someone",
            )
        )
    return FeedbackInput(str(rating), clean_reasons, comment, tuple(errors))


def parse_source_feedback(rating: Any) -> FeedbackInput:
    if rating not in ("relevant", "not_relevant"):
        return FeedbackInput("", (), "", (FieldError("rating", "Choose relevant or not relevant"),))
    return FeedbackInput(str(rating), (), "", ())
