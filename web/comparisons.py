"""The Compare page (one row per document for a question or theme) and the Silence map page
(every document against each race-related theme), each with a CSV export. Both work without
JavaScript; the silence map is cached per build (``assistant.packs.silence_map``)."""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue

from assistant.packs.comparison import SUPPORT_LABELS, Comparison, compare
from assistant.packs.silence_map import cached, silence_map
from assistant.types import Filters
from web.forms import FieldError, parse_filters
from web.packs import MAX_TOPIC_CHARS, bank, parse_topic, source
from web.presenters import doc_type_label, doc_type_options
from web.services import services

bp = Blueprint("comparisons", __name__)
log = logging.getLogger(__name__)

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_response(header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str) -> Response:
    """CSV with spreadsheet-formula characters defused (a leading apostrophe)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    response = Response(out.getvalue(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


# --- compare ------------------------------------------------------------------------------------


@bp.get("/compare")
def compare_page() -> str:
    return _compare_page({}, None)


@bp.post("/compare")
def compare_post() -> ResponseReturnValue:
    errors: list[FieldError] = []
    question = parse_topic("question", errors)
    filters = parse_filters(request.form, errors)
    form = {k: str(request.form.get(k, "")) for k in ("question", "doc_type")}
    if errors:
        return _compare_page(form, None, errors), 400
    theme = bank().match(question)
    result = compare(source(), theme.search if theme else question, filters)
    if request.form.get("export") == "csv":
        return csv_response(
            ("document", "type", "area", "year", "status", "quote", "page", "link"),
            (_compare_cells(r) for r in result.rows),
            "comparison.csv",
        )
    return _compare_page(form, result)


def _compare_cells(row: Any) -> tuple[Any, ...]:
    q = row.quote
    return (
        row.title,
        doc_type_label(row.doc_type),
        row.area,
        row.year or "",
        row.status_label,
        q.quote if q else "",
        q.page_start if q else "",
        q.url if q else "",
    )


def _compare_page(
    form: dict[str, str], result: Comparison | None, errors: Sequence[FieldError] = ()
) -> str:
    documents = list(source().index.documents)
    return render_template(
        "compare.html",
        form=form,
        result=result,
        errors=errors,
        themes=sorted(bank().themes.values(), key=lambda t: t.label),
        doc_type_options=doc_type_options(documents),
        labels=SUPPORT_LABELS,
        max_chars=MAX_TOPIC_CHARS,
    )


# --- silence map --------------------------------------------------------------------------------


def _filters() -> Filters:
    errors: list[FieldError] = []
    filters = parse_filters(request.args, errors)
    return Filters() if errors else filters


def _cache_dir() -> Path:
    return services().settings.data_dir / "cache" / "silence-map"


class Preparing:
    """Silence maps being computed in the background, one thread per build and filters."""

    def __init__(self) -> None:
        self._running: dict[tuple[str, str], threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, assistant: Any, bank_: Any, filters: Filters, cache_dir: Path) -> None:
        key = (assistant.index.build_id, repr(filters))
        with self._lock:
            if key in self._running and self._running[key].is_alive():
                return
            thread = threading.Thread(
                target=self._run, args=(assistant, bank_, filters, cache_dir), daemon=True
            )
            self._running[key] = thread
            thread.start()

    @staticmethod
    def _run(assistant: Any, bank_: Any, filters: Filters, cache_dir: Path) -> None:
        try:
            silence_map(assistant, bank_, filters, cache_dir=cache_dir)
        except Exception as exc:  # logged by type only; the page offers to try again
            log.error("silence map failed: %s", type(exc).__name__)


def preparing() -> Preparing:
    return current_app.extensions.setdefault("rla_silence_preparing", Preparing())  # type: ignore[no-any-return]


@bp.get("/silence-map")
def silence_page() -> ResponseReturnValue:
    """From the per-build cache; the first request starts computing it in the background and
    says so (the page reloads itself with JavaScript, or offers a link without)."""
    assistant, filters = source(), _filters()
    documents = list(assistant.index.documents)
    result = cached(assistant, bank(), filters, _cache_dir())
    if result is None:
        preparing().start(assistant, bank(), filters, _cache_dir())
    return render_template(
        "silence_map.html",
        result=result,
        documents=len(documents),
        labels=SUPPORT_LABELS,
        doc_type=request.args.get("doc_type", ""),
        doc_type_options=doc_type_options(documents),
    )


@bp.get("/silence-map.csv")
def silence_csv() -> ResponseReturnValue:
    """The cached map as CSV; before it exists, start it and answer 503 with Retry-After."""
    assistant, filters = source(), _filters()
    result = cached(assistant, bank(), filters, _cache_dir())
    if result is None:
        from web.app import error_response

        preparing().start(assistant, bank(), filters, _cache_dir())
        response = error_response(503, "The silence map is being prepared. Try again in a minute.")
        response.headers["Retry-After"] = "60"
        return response
    header = ["document", "type", "year", *(t.label for t in result.themes)]
    rows: list[list[Any]] = [
        [
            r.title,
            doc_type_label(r.doc_type),
            r.year or "",
            *(SUPPORT_LABELS[c.status] for c in r.cells),
        ]
        for r in result.rows
    ]
    rows.append(["Documents not addressing the theme", "", "", *(t.silent for t in result.themes)])
    return csv_response(header, rows, "silence-map.csv")
