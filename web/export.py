"""Exports: a conversation as Markdown with full citations; feedback as CSV or JSONL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from web.presenters import STATUS_LABELS, SourceView, TurnView, page_range, turn_view
from web.storage import FEEDBACK_FIELDS, StoredConversation


def _quote_block(text: str, n: int | None = None) -> list[str]:
    """A verbatim quote as a Markdown blockquote, with its citation number after it."""
    lines = (text or "").splitlines() or [""]
    if n is not None:
        lines[-1] = f"{lines[-1]} [{n}]"
    return [f"> {line}".rstrip() for line in lines] + [""]


def _lead_lines(view: TurnView) -> list[str]:
    out: list[str] = []
    for q in view.lead:
        out += _quote_block(q.quote, q.n)[:-1] + [">", f"> — {q.title}, {q.pages}", ""]
    return out


def _grouped_lines(view: TurnView, heading: str) -> list[str]:
    if not view.grouped:
        return []
    out = [f"#### {heading}", ""]
    for source in view.grouped:
        facts = ", ".join(f for f in (str(source.year or ""), source.doc_type) if f)
        out += [f"**{source.title}**" + (f" ({facts})" if facts else ""), ""]
        for q in source.quotes:
            out += _quote_block(q.quote, q.n)
    return out


def _answer_lines(view: TurnView) -> list[str]:
    """Refusal: its reason, then any related material. Answer: lead, missing, then by document."""
    if view.refused:
        reason = [line for words in view.notes for line in (words, "")]
        return [*reason, *_grouped_lines(view, "Related, not an answer")]
    out = _lead_lines(view)
    if not view.structured or (not view.lead and view.generator == "llm"):
        out += [view.text.strip(), ""]
    for note in view.notes:
        out += [note, ""]
    return out + _grouped_lines(view, "What the sources say")


def _source_lines(source: SourceView, base_url: str) -> list[str]:
    """Each document once: its citation numbers, facts and pages; the quotes are above."""
    numbers = " ".join(f"[{n}]" for n in source.numbers)
    facts = ", ".join(f for f in (source.publisher, str(source.year or ""), source.doc_type) if f)
    pages = ", ".join(p.label for p in source.pages)
    head = f"- {numbers} **{source.title}**" + (f" — {facts}" if facts else "")
    lines = [head + (f"; {'page' if len(source.pages) == 1 else 'pages'} {pages}" if pages else "")]
    if source.url:
        lines.append(f"  Original: <{source.url}>")
    for page in source.pages:
        lines.append(f"  In this service, page {page.label}: <{base_url}{page.viewer_url}>")
    return lines


def conversation_markdown(conversation: StoredConversation, *, base_url: str = "") -> str:
    """The whole conversation: each question, its answer and its sources (each document once)."""
    out = [
        f"# {conversation.title or 'Conversation'}",
        "",
        f"Exported from the Review Learning Assistant. Started {conversation.created:%d %B %Y %H:%M} UTC.",
        "Check quotations against the original publications before relying on them.",
        "",
    ]
    for turn in conversation.turns:
        answer = turn.answer
        view = turn_view(turn.turn_id, turn.position, turn.question, answer)
        out += [f"## Question {turn.position}", "", turn.question, "", "### Answer", ""]
        if view.status != "answered":
            out += [f"_{STATUS_LABELS.get(view.status, view.status)}_", ""]
        out += _answer_lines(view)
        for notice in view.notices:
            out += [f"Note: {notice}", ""]
        if view.sources:
            out += ["### Sources", ""]
            for source in view.sources:
                out += _source_lines(source, base_url)
            out.append("")
        build = answer.get("build_id")
        if build:
            out += [
                f"_Library build {build}; answered by the {answer.get('generator')} answerer._",
                "",
            ]
    return "\n".join(out).rstrip() + "\n"


def feedback_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FEEDBACK_FIELDS), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        flat = dict(row)
        flat["reasons"] = ";".join(row.get("reasons") or ())
        writer.writerow({k: _csv_safe(v) for k, v in flat.items()})
    return buffer.getvalue()


def _csv_safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas in free text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def feedback_jsonl(rows: Sequence[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(dict(r), ensure_ascii=False) + "\n" for r in rows)


__all__ = ["conversation_markdown", "feedback_csv", "feedback_jsonl", "page_range"]
