"""The library page and the document viewer (a page's text with the quote highlighted)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, send_file
from flask.typing import ResponseReturnValue

from web.presenters import is_demo
from web.render import highlight, safe_url
from web.services import services

bp = Blueprint("library", __name__)

MAX_QUOTE_CHARS = 2000


@bp.get("/library")
def index() -> str:
    assistant = services().assistants.get()
    documents = sorted(assistant.index.documents, key=lambda d: (-(d.year or 0), d.title.lower()))
    info = getattr(assistant.index, "info", None)
    return render_template(
        "library.html",
        documents=documents,
        build=info,
        is_demo=is_demo(info, documents),
        page_counts={d.doc_id: len(assistant.index.pages(d.doc_id)) for d in documents},
    )


@bp.get("/library/<doc_id>")
def viewer(doc_id: str) -> str:
    assistant = services().assistants.get()
    document = assistant.index.document(doc_id)
    if document is None:
        abort(404)
    pages = assistant.index.pages(doc_id)
    if not pages:
        abort(404)
    number = request.args.get("page", default=pages[0].index, type=int)
    page = next((p for p in pages if p.index == number), None)
    if page is None:
        abort(404)
    position = pages.index(page)
    quote = (request.args.get("q") or "")[:MAX_QUOTE_CHARS]
    marked = highlight(page.text, quote)
    images = services().page_images
    return render_template(
        "viewer.html",
        document=document,
        page=page,
        pages=pages,
        number=number,
        previous_page=pages[position - 1] if position > 0 else None,
        next_page=pages[position + 1] if position + 1 < len(pages) else None,
        quote=quote,
        marked=marked,
        has_image=images.available(document, page.index),
        original_url=safe_url(document.url),
        about_url=safe_url(document.extra.get("about_url", "")),
        is_demo=document.is_demo,
    )


@bp.get("/library/<doc_id>/page/<int:number>.png")
def page_image(doc_id: str, number: int) -> ResponseReturnValue:
    assistant = services().assistants.get()
    document = assistant.index.document(doc_id)
    if document is None:
        abort(404)
    path = services().page_images.png(document, number)
    if path is None:
        abort(404)
    return send_file(path, mimetype="image/png", max_age=7 * 24 * 3600, conditional=True)
