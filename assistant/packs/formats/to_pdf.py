"""A session pack as PDF via WeasyPrint: semantic HTML, tagged PDF (PDF/UA-1 where it can).

WeasyPrint needs Pango (Debian: libpango-1.0-0, libpangoft2-1.0-0; `.ci/run` installs them).
The HTML is built here with every value escaped; links are only http(s).
"""

from __future__ import annotations

import html
import logging

from assistant.errors import ConfigurationError
from assistant.packs.formats import outline as o
from assistant.packs.session import SessionPack

log = logging.getLogger(__name__)

CSS = """
@page { size: A4; margin: 20mm 18mm; @bottom-right { content: "Page " counter(page); font-size: 9pt; font-family: "DejaVu Sans", Arial, sans-serif; } }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; line-height: 1.4; color: #0b0c0c; }
h1 { font-size: 20pt; margin: 0 0 8pt; }
h2 { font-size: 14pt; margin: 16pt 0 6pt; border-bottom: 1px solid #b1b4b6; }
h3 { font-size: 11.5pt; margin: 10pt 0 4pt; }
blockquote { margin: 4pt 0 4pt 0; padding: 2pt 0 2pt 10pt; border-left: 4pt solid #b1b4b6; }
.meta, .cite { color: #484949; font-size: 9.5pt; }
a { color: #1d70b8; }
table { border-collapse: collapse; width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #b1b4b6; padding: 3pt; vertical-align: top; text-align: left; }
thead { display: table-header-group; }
.label { font-style: italic; }
"""


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def a(label: str, url: str) -> str:
    if url.startswith(("https://", "http://")):
        return f'<a href="{e(url)}">{e(label)}</a>'
    return e(label)


def document_html(pack: SessionPack) -> str:
    parts = [
        f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{e(pack.title)}</title>',
        f'<meta name="description" content="{e(pack.topic)}"><style>{CSS}</style></head><body>',
        f"<h1>{e(pack.title)}</h1>",
        "".join(f'<p class="meta">{e(line)}</p>' for line in o.meta_lines(pack)),
        f"<h2>{o.SEARCHED}</h2>" + "".join(f"<p>{e(n)}</p>" for n in pack.notes),
    ]
    if pack.aims:
        parts.append(
            f"<h2>{o.AIMS}</h2><ul>" + "".join(f"<li>{e(x)}</li>" for x in pack.aims) + "</ul>"
        )
    parts += [_points(pack), _summaries(pack), _questions(pack), _comparison(pack), _sources(pack)]
    return "".join(parts) + "</body></html>"


def _points(pack: SessionPack) -> str:
    if not pack.points:
        return ""
    out = [f"<h2>{o.POINTS}</h2>"]
    for i, p in enumerate(pack.points, 1):
        c = p.citation
        out.append(f"<h3>{i}. {e(c.title)}</h3><blockquote><p>{e(c.quote)}</p></blockquote>")
        out.append(f'<p class="cite">{a(o.citation_line(c), o.link_of(c))}</p>')
    return "".join(out)


def _summaries(pack: SessionPack) -> str:
    if not pack.summaries:
        return ""
    out = [f"<h2>{o.SUMMARIES}</h2>"]
    for s in pack.summaries:
        out.append(f"<h3>{e(s.title)}</h3><p>{e(o.summary_line(s))}</p>")
        for q in s.quotes:
            out.append(
                f'<blockquote><p>{e(q.quote)}</p></blockquote><p class="cite">{e(o.pages(q))}</p>'
            )
    return "".join(out)


def _questions(pack: SessionPack) -> str:
    if not pack.questions:
        return ""
    items = "".join(f"<li>{e(q.text)}</li>" for q in pack.questions)
    return f'<h2>{o.QUESTIONS}</h2><p class="label">{e(pack.questions_label)}</p><ol>{items}</ol>'


def _comparison(pack: SessionPack) -> str:
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in o.COMPARISON_HEADERS)
    body = "".join(
        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in o.row_cells(r)) + "</tr>"
        for r in pack.comparison.rows
    )
    return (
        f"<h2>{o.COMPARISON}</h2><p>Every document searched for: {e(pack.question)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _sources(pack: SessionPack) -> str:
    if not pack.sources:
        return ""
    out = [f"<h2>{o.SOURCES}</h2><p>{e(pack.reminder)}</p><ul>"]
    for s in pack.sources:
        head, _link, *rest = o.source_lines(s)
        link = a(s.url, s.url) if s.url else "none recorded"
        out.append(f"<li><strong>{e(head)}</strong><br>Link: {link}")
        out.append("".join(f"<br>{e(line)}" for line in rest) + "</li>")
    return "".join(out) + "</ul>"


def render(pack: SessionPack) -> bytes:
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango missing: a clear message, not a traceback
        raise ConfigurationError(
            "PDF packs need WeasyPrint's system libraries (Debian: apt-get install "
            f"libpango-1.0-0 libpangoft2-1.0-0): {exc}"
        ) from exc
    document = HTML(string=document_html(pack))
    try:
        data: bytes = document.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True)
    except (TypeError, ValueError) as exc:  # an older WeasyPrint without these options
        log.warning("tagged PDF not available (%s); writing an untagged PDF", type(exc).__name__)
        data = document.write_pdf()
    return data
