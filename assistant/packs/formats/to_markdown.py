"""A session pack as Markdown: headings, quotes as blockquotes, metadata escaped."""

from __future__ import annotations

import re

from assistant.packs.formats import outline as o
from assistant.packs.session import SessionPack

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~]|!(?=\[))")


def escape(text: str) -> str:
    """Markdown-inert text: special characters backslash-escaped, line starts defused."""
    text = _SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return re.sub(r"^(\d+)\.", r"\1\\.", re.sub(r"^([-=+])", r"\\\1", text))


def link(label: str, url: str) -> str:
    if not url.startswith(("https://", "http://")):
        return escape(label)
    return f"[{escape(label)}](<{url.replace('>', '%3E').replace(' ', '%20')}>)"


def render(pack: SessionPack) -> bytes:
    return "\n".join(lines(pack)).encode("utf-8")


def lines(pack: SessionPack) -> list[str]:
    out = [f"# {escape(pack.title)}", ""]
    out += [f"- {escape(line)}" for line in o.meta_lines(pack)] + [""]
    out += [f"## {o.SEARCHED}", ""] + [escape(n) + "\n" for n in pack.notes]
    if pack.aims:
        out += [f"## {o.AIMS}", ""] + [f"- {escape(a)}" for a in pack.aims] + [""]
    if pack.points:
        out += [f"## {o.POINTS}", ""]
        for i, p in enumerate(pack.points, 1):
            c = p.citation
            out += [f"### {i}. {escape(c.title)}", "", f"> {escape(c.quote)}", ""]
            out += [f"— {link(o.citation_line(c), o.link_of(c))}", ""]
    if pack.summaries:
        out += [f"## {o.SUMMARIES}", ""]
        for s in pack.summaries:
            out += [f"### {escape(s.title)}", "", escape(o.summary_line(s)), ""]
            for q in s.quotes:
                out += [f"> {escape(q.quote)}", "", f"— {escape(o.pages(q))}", ""]
    if pack.questions:
        out += [f"## {o.QUESTIONS}", "", f"*{escape(pack.questions_label)}*", ""]
        out += [f"{i}. {escape(q.text)}" for i, q in enumerate(pack.questions, 1)] + [""]
    out += comparison(pack)
    if pack.sources:
        out += [f"## {o.SOURCES}", "", escape(pack.reminder), ""]
        for source in pack.sources:
            head, *rest = o.source_lines(source)
            out += [f"- **{escape(head)}**"] + [f"  - {_source_detail(r)}" for r in rest]
        out.append("")
    return out


def _source_detail(line: str) -> str:
    key, _, value = line.partition(": ")
    if key == "Link" and value.startswith("http"):
        return f"Link: {link(value, value)}"
    return escape(line)


def comparison(pack: SessionPack) -> list[str]:
    out = [f"## {o.COMPARISON}", "", f"Every document searched for: {escape(pack.question)}", ""]
    out.append("| " + " | ".join(o.COMPARISON_HEADERS) + " |")
    out.append("|" + "---|" * len(o.COMPARISON_HEADERS))
    for row in pack.comparison.rows:
        out.append("| " + " | ".join(escape(cell) for cell in o.row_cells(row)) + " |")
    return out + [""]
