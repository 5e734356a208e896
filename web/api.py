"""The JSON API and the answer event stream.

POST bodies must be ``application/json`` (a cross-site HTML form cannot send that, so the API is
exempt from form CSRF tokens). The stream is used by the page's script with the page's session, so
it also requires the CSRF token in an ``X-CSRFToken`` header.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    request,
    stream_with_context,
)

from assistant.checks import personal_data
from assistant.checks.guardrails import personal_data_kinds, strip_hidden
from assistant.types import Filters
from web.asking import ask as run_ask
from web.asking import conversation_for, owned_turn
from web.asking import stream as run_stream
from web.export import feedback_csv, feedback_jsonl
from web.forms import (
    FieldError,
    parse_answer_feedback,
    parse_ask,
    parse_filters,
    parse_source_feedback,
)
from web.openapi import openapi_document
from web.services import services
from web.storage import FeedbackEntry

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_K = 50
MAX_DEPTH = 8
DOCUMENT_FIELDS_WITHHELD = ("path",)  # where the file sits on the server is nobody's business
EXPORT_DISABLED = (
    "Feedback export is turned off on this server. An administrator turns it on by setting "
    "RLA_FEEDBACK_EXPORT_TOKEN."
)


def _bad_request(errors: tuple[FieldError, ...] | list[FieldError]) -> Response:
    response = jsonify(
        {
            "error": errors[0].message,
            "errors": [{"field": e.field, "message": e.message} for e in errors],
        }
    )
    response.status_code = 400
    return response


def _json_body() -> dict[str, Any]:
    if not request.is_json:
        abort(415, "Send a JSON body with Content-Type: application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # deeply nested JSON under the size cap
        data = None
    if not isinstance(data, dict) or _too_deep(data):
        abort(400, f"The body must be a JSON object (nested at most {MAX_DEPTH} levels).")
    return data


def _too_deep(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` nests deeper than MAX_DEPTH (no request needs more than a few levels)."""
    if depth > MAX_DEPTH:
        return True
    if isinstance(value, dict):
        return any(_too_deep(v, depth + 1) for v in value.values())
    if isinstance(value, list):
        return any(_too_deep(v, depth + 1) for v in value)
    return False


@bp.post("/ask")
def ask() -> Response:
    req = parse_ask(_json_body(), services().settings.max_question_chars)
    if req.errors:
        return _bad_request(req.errors)
    asked = run_ask(req, create_conversation=False)
    body = asked.answer.to_dict()
    if asked.turn is not None:
        body["conversation_id"] = asked.conversation_id
        body["turn_id"] = asked.turn.turn_id
    return jsonify(body)


@bp.post("/ask/stream")
def ask_stream() -> Response:
    data = _json_body()
    current_app.extensions["csrf"].protect()
    req = parse_ask(data, services().settings.max_question_chars)
    if req.errors:
        return _bad_request(req.errors)
    assistant = services().assistants.get()  # no build → 503 now, not half-way through a stream
    conversation = conversation_for(req, create=True)
    assert conversation is not None
    events = run_stream(req, assistant, conversation)
    response = Response(stream_with_context(events), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response


@bp.get("/search")
def search() -> Response:
    """Passages for a query. The query is checked like a question (hidden characters, length,
    personal data) and never echoed back."""
    errors: list[FieldError] = []
    settings = services().settings
    query = strip_hidden(request.args.get("q") or "")
    if not query:
        errors.append(FieldError("q", "Enter a search query in q"))
    elif len(query) > settings.max_question_chars:
        errors.append(
            FieldError("q", f"q must be {settings.max_question_chars:,} characters or fewer")
        )
    elif kinds := personal_data_kinds(query):
        errors.append(FieldError("q", f"Remove {personal_data.describe(kinds)} and search again"))
    k = request.args.get("k", default=10, type=int) or 10
    filters: Filters = parse_filters(
        {
            "themes": request.args.getlist("theme"),
            "doc_types": request.args.getlist("doc_type"),
            "areas": request.args.getlist("area"),
            "doc_ids": request.args.getlist("doc_id"),
            "year_from": request.args.get("year_from"),
            "year_to": request.args.get("year_to"),
        },
        errors,
    )
    if errors:
        return _bad_request(errors)
    passages = services().assistants.get().search(query, filters, max(1, min(k, MAX_K)))
    return jsonify({"filters": filters.to_dict(), "passages": [p.to_dict() for p in passages]})


@bp.get("/documents")
def documents() -> Response:
    index = services().assistants.get().index
    info = getattr(index, "info", None)
    return jsonify(
        {
            "build": info.to_dict() if info else None,
            "documents": [_public(d.to_dict()) for d in index.documents],
        }
    )


def _public(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in DOCUMENT_FIELDS_WITHHELD}


@bp.post("/feedback")
def feedback() -> tuple[Response, int] | Response:
    data = _json_body()
    turn_id = data.get("turn_id")
    target = data.get("target", "answer")
    settings = services().settings
    if not isinstance(turn_id, str) or not turn_id:
        return _bad_request([FieldError("turn_id", "turn_id is required")])
    if target == "answer":
        reasons = data.get("reasons") or []
        if not isinstance(reasons, list):
            return _bad_request([FieldError("reasons", "reasons must be a list")])
        parsed = parse_answer_feedback(
            data.get("rating"),
            reasons,
            data.get("comment", ""),
            settings.feedback_comment_max_chars,
        )
        citation_n = None
    elif target == "source":
        parsed = parse_source_feedback(data.get("rating"))
        citation_n = data.get("citation_n")
        if isinstance(citation_n, bool) or not isinstance(citation_n, int):
            return _bad_request([FieldError("citation_n", "citation_n must be a number")])
    else:
        return _bad_request([FieldError("target", "target must be answer or source")])
    if parsed.errors:
        return _bad_request(parsed.errors)
    if owned_turn(turn_id) is None:  # as the HTML feedback forms: 404 for anyone else's turn
        abort(404, "No such answer or source.")
    entry = FeedbackEntry(
        turn_id=turn_id,
        target=target,
        rating=parsed.rating,
        citation_n=citation_n,
        reasons=parsed.reasons,
        comment=parsed.comment,
    )
    feedback_id = services().store.add_feedback(entry)
    if feedback_id is None:
        abort(404, "No such answer or source.")
    return jsonify({"ok": True, "id": feedback_id}), 201


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API, generated from the types."""
    return jsonify(openapi_document())


@bp.get("/feedback/export")
def feedback_export() -> Response:
    token = services().settings.feedback_export_token.get_secret_value()
    if not token:
        abort(403, EXPORT_DISABLED)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not given or not hmac.compare_digest(given.encode(), token.encode()):
        abort(403, "Send the evaluators' export token as `Authorization: Bearer <token>`.")
    fmt = request.args.get("format", "csv")
    rows = services().store.feedback_rows()
    if fmt == "csv":
        body, mimetype = feedback_csv(rows), "text/csv"
    elif fmt == "jsonl":
        body, mimetype = feedback_jsonl(rows), "application/x-ndjson"
    else:
        abort(400, "format must be csv or jsonl")
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="feedback.{fmt}"'},
    )
