"""Exports: a conversation as Markdown with full citations; feedback as CSV or JSONL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from web.presenters import STATUS_LABELS, citation_view, page_range
from web.storage import FEEDBACK_FIELDS, StoredConversation


def _quote_block(text: str) -> list[str]:
    return [f"> {line}".rstrip() for line in (text or "").splitlines() or [""]]


def _source_lines(citation: Mapping[str, Any], base_url: str) -> list[str]:
    view = citation_view(citation, "x")
    facts = [view.publisher, str(view.year) if view.year else "", view.pages]
    head = f"[{view.n}] **{view.title}**"
    lines = [head + (" — " + ", ".join(f for f in facts if f) if any(facts) else "")]
    if view.section:
        lines.append(f"    Section: {view.section}")
    lines.append("")
    lines.extend("    " + line for line in _quote_block(view.quote))
    lines.append("")
    if view.url:
        lines.append(f"    Original: <{view.url}>")
    lines.append(f"    In this service: <{base_url}{view.viewer_url}>")
    lines.append("")
    return lines


def conversation_markdown(conversation: StoredConversation, *, base_url: str = "") -> str:
    """The whole conversation: each question, its answer and its numbered sources."""
    out = [
        f"# {conversation.title or 'Conversation'}",
        "",
        f"Exported from the Review Learning Assistant. Started {conversation.created:%d %B %Y %H:%M} UTC.",
        "Check quotations against the original publications before relying on them.",
        "",
    ]
    for turn in conversation.turns:
        answer = turn.answer
        status = str(answer.get("status", ""))
        out += [f"## Question {turn.position}", "", turn.question, "", "### Answer", ""]
        if status != "answered":
            out += [f"_{STATUS_LABELS.get(status, status)}_", ""]
        out += [str(answer.get("text", "")).strip(), ""]
        for notice in answer.get("notices") or ():
            out += [f"Note: {notice}", ""]
        citations = answer.get("citations") or ()
        if citations:
            out += ["### Sources", ""]
            for citation in citations:
                out += _source_lines(citation, base_url)
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
