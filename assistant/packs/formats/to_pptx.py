"""A session pack as slides (python-pptx): one slide per learning point, its citation in the
speaker notes; then case summaries, discussion questions, what was searched and the sources."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from pptx import Presentation
from pptx.util import Pt

from assistant.packs.formats import outline as o
from assistant.packs.session import SessionPack

TITLE, TITLE_AND_CONTENT = 0, 1
LONG_QUOTE = 280  # characters: smaller type above this


def render(pack: SessionPack) -> bytes:
    deck = Presentation()
    deck.core_properties.title = pack.title
    deck.core_properties.subject = pack.topic
    deck.core_properties.language = "en-GB"
    first = deck.slides.add_slide(deck.slide_layouts[TITLE])
    first.shapes.title.text = pack.title
    first.placeholders[1].text = "\n".join(o.meta_lines(pack))
    if pack.aims:
        _bullets(deck, o.AIMS, pack.aims)
    for i, p in enumerate(pack.points, 1):
        c = p.citation
        slide = _bullets(deck, f"{o.POINTS} ({i} of {len(pack.points)})", [f"“{c.quote}”"])
        _size(slide, 20 if len(c.quote) > LONG_QUOTE else 24)
        notes = [o.citation_line(c), c.url or "No link recorded", f"Quote: “{c.quote}”"]
        slide.notes_slide.notes_text_frame.text = "\n".join(notes)
    for s in pack.summaries:
        slide = _bullets(deck, s.title, [o.summary_line(s), *(f"“{q.quote}”" for q in s.quotes)])
        _size(slide, 16)
        slide.notes_slide.notes_text_frame.text = "\n".join(
            f"{o.citation_line(q)} {q.url}".strip() for q in s.quotes
        )
    if pack.questions:
        slide = _bullets(deck, o.QUESTIONS, [q.text for q in pack.questions])
        _size(slide, 18)
        slide.notes_slide.notes_text_frame.text = pack.questions_label
    _size(_bullets(deck, o.SEARCHED, pack.notes), 14)
    if pack.sources:
        lines = [" — ".join(o.source_lines(s)[:2]) for s in pack.sources]
        slide = _bullets(deck, o.SOURCES, [pack.reminder, *lines])
        _size(slide, 12)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _bullets(deck: Any, title: str, lines: Sequence[str]) -> Any:
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_AND_CONTENT])
    slide.shapes.title.text = title
    frame = slide.placeholders[1].text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.text = line
    return slide


def _size(slide: Any, points: int) -> None:
    for paragraph in slide.placeholders[1].text_frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(points)
