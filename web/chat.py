"""The chat page: ask (works without JavaScript), conversations, history, Markdown export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from assistant.surfaces import is_refusal
from web.asking import ask as run_ask
from web.asking import owned_conversation, owner
from web.export import conversation_markdown
from web.forms import AskRequest, parse_ask
from web.presenters import (
    doc_type_options,
    is_demo,
    starter_questions,
    theme_options,
    turn_view,
)
from web.services import services
from web.storage import WITHHELD, StoredConversation

bp = Blueprint("chat", __name__)

FILTER_KEYS = ("theme", "doc_type", "year_from", "year_to")


def _library_context() -> dict[str, Any]:
    assistant = services().assistants.get()
    documents = list(assistant.index.documents)
    info = getattr(assistant.index, "info", None)
    return {
        "documents": documents,
        "build": info,
        "is_demo": is_demo(info, documents),
        "theme_options": theme_options(documents),
        "doc_type_options": doc_type_options(documents),
        "starters": starter_questions(documents),
    }


def _page(
    conversation: StoredConversation | None,
    form: Mapping[str, str] | None = None,
    errors: tuple[Any, ...] = (),
    status: int = 200,
) -> tuple[str, int]:
    turns = [
        turn_view(t.turn_id, t.position, t.question, t.answer)
        for t in (conversation.turns if conversation else ())
    ]
    if form is None:
        form = {k: request.args.get(k, "") for k in FILTER_KEYS}
        form["question"] = _question_to_edit(conversation)
    html = render_template(
        "chat.html",
        conversation=conversation,
        turns=turns,
        form=form,
        errors=errors,
        max_question_chars=services().settings.max_question_chars,
        **_library_context(),
    )
    return html, status


def _question_to_edit(conversation: StoredConversation | None) -> str:
    """After a refusal the question stays in the box, ready to edit.

    Not after a personal-data refusal: that question was not stored, and no response ever repeats
    a name the user typed (with JavaScript the box simply keeps what was typed)."""
    last = conversation.turns[-1] if conversation and conversation.turns else None
    if last is None or not is_refusal(last.answer) or last.question == WITHHELD:
        return ""
    return last.question


@bp.get("/")
def index() -> tuple[str, int]:
    return _page(None)


@bp.post("/ask")
def ask() -> ResponseReturnValue:
    req: AskRequest = parse_ask(request.form, services().settings.max_question_chars)
    if req.errors:
        return _page(owned_conversation(req.conversation_id), req.form, req.errors, 400)
    asked = run_ask(req, create_conversation=True)
    filters = {k: req.form.get(k, "") for k in FILTER_KEYS if req.form.get(k)}
    query = f"?{urlencode(filters)}" if filters else ""
    anchor = f"#turn-{asked.turn.position}" if asked.turn else ""
    return redirect(f"/c/{asked.conversation_id}{query}{anchor}", code=303)


@bp.get("/c/<conversation_id>")
def conversation(conversation_id: str) -> tuple[str, int]:
    found = owned_conversation(conversation_id)
    if found is None:
        abort(404)
    return _page(found)


@bp.get("/c/<conversation_id>/export.md")
def export(conversation_id: str) -> Response:
    found = owned_conversation(conversation_id)
    if found is None:
        abort(404)
    body = conversation_markdown(found, base_url=services().settings.public_base_url)
    name = f"conversation-{found.created:%Y-%m-%d}-{conversation_id[:6]}.md"
    return Response(
        body,
        mimetype="text/markdown",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/c/<conversation_id>/delete")
def delete(conversation_id: str) -> ResponseReturnValue:
    who = owner(create=False)
    if who is None or not services().store.delete_conversation(conversation_id, who):
        abort(404)
    flash("Conversation deleted.", "success")
    return redirect(url_for("chat.history"), code=303)


@bp.get("/conversations")
def history() -> str:
    who = owner(create=False)
    items = services().store.conversations(who) if who else []
    return render_template("conversations.html", conversations=items)


@bp.get("/about")
def about() -> str:
    settings = services().settings
    return render_template("about.html", retention_days=settings.retention_days)
