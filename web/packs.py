"""The Packs page: draft a session pack on a theme, keep and reorder its items, export it.

Works without JavaScript: one form holds the draft; ticking is checkboxes (``keep``), order is
the hidden ``order`` fields in page order, "Move up"/"Move down" are submit buttons that come
back with the item moved, and "Download" buttons post the same form and get the file. With
JavaScript (static/packs.js) the moves happen in the page without a round trip. Drafts are
kept per process in a small cache keyed by build, topic and filters, and redrafted on a miss
(drafting is deterministic for a build), so any worker can serve any step.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from assistant.checks.personal_data import detect
from assistant.packs.evidence_source import evidence_source
from assistant.packs.question_bank import QuestionBank, load_bank
from assistant.packs.session import SessionPack, draft_pack
from assistant.types import Filters
from web.forms import FieldError, parse_filters
from web.presenters import doc_type_options, is_demo
from web.services import services

bp = Blueprint("packs", __name__)

MAX_TOPIC_CHARS = 300
PERSONAL_DETAILS = (
    "Remove details that could identify a person (names, dates of birth, addresses, numbers)"
)
FORMAT_LABELS = (
    ("docx", "Word (DOCX)"),
    ("pdf", "PDF"),
    ("md", "Markdown"),
    ("pptx", "PowerPoint (PPTX)"),
)


class Drafts:
    """A small per-process LRU of drafted packs."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, ...], SessionPack] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...], make: Any) -> SessionPack:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        pack: SessionPack = make()
        with self._lock:
            self._items[key] = pack
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return pack


def drafts() -> Drafts:
    return current_app.extensions.setdefault("rla_pack_drafts", Drafts())  # type: ignore[no-any-return]


def bank() -> QuestionBank:
    return load_bank()


def source() -> Any:
    return evidence_source(services().assistants.get())


def parse_topic(field: str, errors: list[FieldError]) -> str:
    """A theme or question from the form: required, not too long, nothing identifying."""
    topic = " ".join(str(request.form.get(field, "")).split())
    if not topic:
        errors.append(FieldError(field, "Enter a theme or a question"))
    elif len(topic) > MAX_TOPIC_CHARS:
        errors.append(
            FieldError(field, f"Theme or question must be {MAX_TOPIC_CHARS} characters or fewer")
        )
    elif detect(topic):
        errors.append(FieldError(field, PERSONAL_DETAILS))
    return topic


def _form_context(form: Mapping[str, str], errors: Sequence[FieldError] = ()) -> dict[str, Any]:
    assistant = source()
    documents = list(assistant.index.documents)
    themes = sorted(bank().themes.values(), key=lambda t: t.label)
    return {
        "form": form,
        "errors": errors,
        "themes": themes,
        "doc_type_options": doc_type_options(documents),
        "is_demo": is_demo(getattr(assistant.index, "info", None), documents),
        "max_topic_chars": MAX_TOPIC_CHARS,
        "formats": FORMAT_LABELS,
    }


@bp.get("/packs")
def index() -> str:
    return render_template("packs.html", pack=None, **_form_context({}))


@bp.post("/packs")
def draft() -> ResponseReturnValue:
    errors: list[FieldError] = []
    topic = parse_topic("topic", errors)
    filters = parse_filters(request.form, errors)
    form = {k: str(request.form.get(k, "")) for k in ("topic", "doc_type", "year_from", "year_to")}
    if errors:
        return render_template("packs.html", pack=None, **_form_context(form, errors)), 400
    pack = _draft(topic, filters)
    edited = request.form.get("edited") == "1"
    keep = set(request.form.getlist("keep")) if edited else None
    order = _moved(request.form.getlist("order"), str(request.form.get("move", "")))
    export = str(request.form.get("export", ""))
    if export:
        return _download(pack.select(keep, order), export)
    shown = pack.select(None, order)
    kept = set(pack.item_ids()) if keep is None else keep
    move = str(request.form.get("move", ""))
    return render_template("packs.html", pack=shown, kept=kept, move=move, **_form_context(form))


def _draft(topic: str, filters: Filters) -> SessionPack:
    assistant = source()
    key = (assistant.index.build_id, topic.lower(), repr(filters))
    return drafts().get(key, lambda: draft_pack(assistant, topic, bank(), filters))


def _moved(order: list[str], move: str) -> list[str]:
    """``order`` with the item named in ``move`` ("up:p3" / "down:p3") swapped with its
    neighbour in the same section (items of a section share their first letter)."""
    direction, _, item = move.partition(":")
    if item not in order or direction not in ("up", "down"):
        return order
    i = order.index(item)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(order) and order[j][:1] == item[:1]:
        order[i], order[j] = order[j], order[i]
    return order


def _download(pack: SessionPack, name: str) -> Response:
    from assistant.packs.formats import FORMATS, outline, render

    if name not in FORMATS:
        abort(400)
    fmt = FORMATS[name]
    response = Response(render(pack, name), mimetype=fmt.media_type)
    filename = outline.file_stem(pack) + fmt.extension
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
