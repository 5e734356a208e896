"""Exports: a conversation as Markdown with full citations; feedback as CSV or JSONL."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from assistant.types import ANSWERED
from web.presenters import STATUS_LABELS, SourceView, TurnView, page_range, turn_view
from web.render import safe_url
from web.storage import FEEDBACK_FIELDS, StoredConversation

_MARKUP = re.compile(r"([\\`*_\[\]<>!|~#])")
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))", re.MULTILINE)


def md_text(value: Any, *, one_line: bool = True) -> str:
    """Untrusted text (document metadata, quotes, questions, answers) as literal Markdown: every
    character that could start markup, a link, an image or raw HTML is backslash-escaped, so a
    Markdown viewer shows the characters instead of acting on them."""
    text = str(value or "")
    if one_line:
        text = " ".join(text.split())
    text = _MARKUP.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match[str]) -> str:
    """A list or heading marker at a line start: "\\-", or "1\\." for a numbered item."""
    marker = m.group(2)
    return m.group(1) + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def _link(url: str) -> str:
    """An autolink only for an http(s) URL without spaces or angle brackets; else nothing."""
    url = safe_url(url)
    return f"<{url}>" if url and not re.search(r"[\s<>]", url) else ""


def _viewer_link(base_url: str, viewer_url: str) -> str:
    """This app's viewer: absolute under the configured base URL, else a relative path."""
    if not viewer_url.startswith("/") or viewer_url.startswith("//"):
        return ""
    return _link(base_url + viewer_url) if base_url else f"<{viewer_url}>"


def _quote_block(text: str, n: int | None = None) -> list[str]:
    """A verbatim quote as a Markdown blockquote, with its citation number after it."""
    lines = [md_text(line) for line in (text or "").splitlines()] or [""]
    if n is not None:
        lines[-1] = f"{lines[-1]} [{n}]"
    return [f"> {line}".rstrip() for line in lines] + [""]


def _lead_lines(view: TurnView) -> list[str]:
    out: list[str] = []
    for q in view.lead:
        attribution = f"> — {md_text(q.title)}, {md_text(q.pages)}"
        out += _quote_block(q.quote, q.n)[:-1] + [">", attribution, ""]
    return out


def _grouped_lines(view: TurnView, heading: str) -> list[str]:
    if not view.grouped:
        return []
    out = [f"#### {heading}", ""]
    for source in view.grouped:
        facts = ", ".join(md_text(f) for f in (str(source.year or ""), source.doc_type) if f)
        out += [f"**{md_text(source.title)}**" + (f" ({facts})" if facts else ""), ""]
        for q in source.quotes:
            out += _quote_block(q.quote, q.n)
    return out


def _answer_lines(view: TurnView) -> list[str]:
    """Refusal: its reason, then any related material. Answer: lead, missing, then by document."""
    if view.refused:
        reason = [line for words in view.notes for line in (md_text(words), "")]
        return [*reason, *_grouped_lines(view, "Related, not an answer")]
    out = _lead_lines(view)
    if not view.structured or (not view.lead and view.generator == "llm"):
        out += [md_text(view.text, one_line=False).strip(), ""]
    for note in view.notes:
        out += [md_text(note), ""]
    return out + _grouped_lines(view, "What the sources say")


def _source_lines(source: SourceView, base_url: str) -> list[str]:
    """Each document once: its citation numbers, facts and pages; the quotes are above."""
    numbers = " ".join(f"[{n}]" for n in source.numbers)
    facts = ", ".join(
        md_text(f) for f in (source.publisher, str(source.year or ""), source.doc_type) if f
    )
    pages = ", ".join(md_text(p.label) for p in source.pages)
    head = f"- {numbers} **{md_text(source.title)}**" + (f" — {facts}" if facts else "")
    lines = [head + (f"; {'page' if len(source.pages) == 1 else 'pages'} {pages}" if pages else "")]
    original = _link(source.url)
    if original:
        lines.append(f"  Original: {original}")
    for page in source.pages:
        here = _viewer_link(base_url, page.viewer_url)
        if here:
            lines.append(f"  In this service, page {md_text(page.label)}: {here}")
    return lines


def conversation_markdown(conversation: StoredConversation, *, base_url: str = "") -> str:
    """The whole conversation: each question, its answer and its sources (each document once)."""
    out = [
        f"# {md_text(conversation.title) or 'Conversation'}",
        "",
        f"Exported from the Review Learning Assistant. Started {conversation.created:%d %B %Y %H:%M} UTC.",
        "Check quotations against the original publications before relying on them.",
        "",
    ]
    for turn in conversation.turns:
        answer = turn.answer
        view = turn_view(turn.turn_id, turn.position, turn.question, answer)
        question = md_text(turn.question)
        out += [f"## Question {turn.position}", "", question, "", "### Answer", ""]
        if view.status != ANSWERED:
            out += [f"_{md_text(STATUS_LABELS.get(view.status, view.status))}_", ""]
        out += _answer_lines(view)
        for notice in view.notices:
            out += [f"Note: {md_text(notice)}", ""]
        if view.sources:
            out += ["### Sources", ""]
            for source in view.sources:
                out += _source_lines(source, base_url)
            out.append("")
        if answer.build_id:
            out += [
                f"_Library build {md_text(answer.build_id)}; answered by the "
                f"{md_text(answer.generator)} answerer._",
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


__all__ = ["conversation_markdown", "md_text", "feedback_csv", "feedback_jsonl", "page_range"]
