"""Feedback forms on answers and on sources (HTML, CSRF-protected; JSON replies for the script)."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, jsonify, redirect, request
from flask.typing import ResponseReturnValue

from web.asking import owned_turn
from web.forms import FeedbackInput, parse_answer_feedback, parse_source_feedback
from web.services import services
from web.storage import FeedbackEntry

bp = Blueprint("feedback", __name__, url_prefix="/feedback")
log = logging.getLogger("web.feedback")

THANKS = "Thank you for your feedback."


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def _location(turn_id: str) -> tuple[str, int]:
    """(conversation_id, position) of a turn of this browser's; 404 for anyone else's."""
    found = owned_turn(turn_id)
    if found is None:
        abort(404)
    return found


def _reply(parsed: FeedbackInput, entry: FeedbackEntry | None, back: str) -> ResponseReturnValue:
    if parsed.errors or entry is None:
        message = parsed.errors[0].message if parsed.errors else "That source is not in the answer"
        if _wants_json():
            response = jsonify({"ok": False, "error": message})
            response.status_code = 400
            return response
        flash(message, "error")
        return redirect(back, code=303)
    feedback_id = services().store.add_feedback(entry)
    if feedback_id is None:
        abort(404)
    log.info(
        "feedback target=%s rating=%s reasons=%d", entry.target, entry.rating, len(entry.reasons)
    )
    if _wants_json():
        return jsonify({"ok": True, "id": feedback_id, "message": THANKS})
    flash(THANKS, "success")
    return redirect(back, code=303)


@bp.post("/answer/<turn_id>")
def answer(turn_id: str) -> ResponseReturnValue:
    conversation_id, position = _location(turn_id)
    parsed = parse_answer_feedback(
        request.form.get("rating"),
        request.form.getlist("reasons"),
        request.form.get("comment", ""),
        services().settings.feedback_comment_max_chars,
    )
    entry = None
    if not parsed.errors:
        entry = FeedbackEntry(
            turn_id=turn_id,
            target="answer",
            rating=parsed.rating,
            reasons=parsed.reasons,
            comment=parsed.comment,
        )
    return _reply(parsed, entry, f"/c/{conversation_id}#turn-{position}-feedback")


@bp.post("/source/<turn_id>/<int:n>")
def source(turn_id: str, n: int) -> ResponseReturnValue:
    conversation_id, position = _location(turn_id)
    parsed = parse_source_feedback(request.form.get("rating"))
    turn = services().store.turn(turn_id)
    cited = {c.n for c in turn.answer.citations} if turn else set()
    entry = None
    if not parsed.errors and n in cited:
        entry = FeedbackEntry(turn_id=turn_id, target="source", rating=parsed.rating, citation_n=n)
    return _reply(parsed, entry, f"/c/{conversation_id}#turn-{position}-source-{n}")
