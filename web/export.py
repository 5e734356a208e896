"""Exports: a conversation as Markdown with full citations; feedback as CSV or JSONL."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from web.presenters import STATUS_LABELS, citation_view, page_range
from web.render import safe_url
from web.storage import FEEDBACK_FIELDS, StoredConversation

_MARKUP = re.compile(r"([\\`*_\[\]<>!|~#])")
_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))", re.MULTILINE)


def md_text(value: Any, *, one_line: bool = True) -> str:
    """Untrusted text (document metadata, quotes, questions) as literal Markdown: every character
    that could start markup, a link, an image or raw HTML is backslash-escaped, so a Markdown
    viewer shows the characters instead of acting on them."""
    text = str(value or "")
    if one_line:
        text = " ".join(text.split())
    text = _MARKUP.sub(r"\\\1", text)
    return _LINE_START.sub(_escape_line_start, text)


def _escape_line_start(m: re.Match[str]) -> str:
    """A list or heading marker at a line start: "\\-", or "1\\." for a numbered item."""
    marker = m.group(2)
    return m.group(1) + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def _quote_block(text: str) -> list[str]:
    lines = [md_text(line) for line in (text or "").splitlines()]
    return [f"> {line}".rstrip() for line in lines or [""]]


def _link(url: str) -> str:
    """An autolink only for an http(s) URL without spaces or angle brackets; else nothing."""
    url = safe_url(url)
    return f"<{url}>" if url and not re.search(r"[\s<>]", url) else ""


def _source_lines(citation: Mapping[str, Any], base_url: str) -> list[str]:
    view = citation_view(citation, "x")
    facts = [view.publisher, str(view.year) if view.year else "", view.pages]
    head = f"\\[{view.n}\\] **{md_text(view.title)}**"
    shown = ", ".join(md_text(f) for f in facts if f)
    lines = [head + (" — " + shown if shown else "")]
    if view.section:
        lines.append(f"    Section: {md_text(view.section)}")
    lines.append("")
    lines.extend("    " + line for line in _quote_block(view.quote))
    lines.append("")
    original = _link(view.url)
    if original:
        lines.append(f"    Original: {original}")
    here = _viewer_link(base_url, view.viewer_url)
    if here:
        lines.append(f"    In this service: {here}")
    lines.append("")
    return lines


def _viewer_link(base_url: str, viewer_url: str) -> str:
    """This app's viewer: absolute under the configured base URL, else a relative path."""
    if not viewer_url.startswith("/") or viewer_url.startswith("//"):
        return ""
    return _link(base_url + viewer_url) if base_url else f"<{viewer_url}>"


def conversation_markdown(conversation: StoredConversation, *, base_url: str = "") -> str:
    """The whole conversation: each question, its answer and its numbered sources."""
    out = [
        f"# {md_text(conversation.title) or 'Conversation'}",
        "",
        f"Exported from the Review Learning Assistant. Started {conversation.created:%d %B %Y %H:%M} UTC.",
        "Check quotations against the original publications before relying on them.",
        "",
    ]
    for turn in conversation.turns:
        answer = turn.answer
        status = str(answer.get("status", ""))
        question = md_text(turn.question)
        out += [f"## Question {turn.position}", "", question, "", "### Answer", ""]
        if status != "answered":
            out += [f"_{md_text(STATUS_LABELS.get(status, status))}_", ""]
        out += [md_text(answer.get("text", ""), one_line=False).strip(), ""]
        for notice in answer.get("notices") or ():
            out += [f"Note: {md_text(notice)}", ""]
        citations = answer.get("citations") or ()
        if citations:
            out += ["### Sources", ""]
            for citation in citations:
                out += _source_lines(citation, base_url)
        build = answer.get("build_id")
        if build:
            out += [
                f"_Library build {md_text(build)}; answered by the "
                f"{md_text(answer.get('generator'))} answerer._",
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
