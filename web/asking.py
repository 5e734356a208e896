"""Asking, shared by the no-JS form, the JSON API and the event stream.

Owns the per-browser *owner* id (a random value in the signed session cookie), picks or starts the
conversation, builds the history from stored turns, calls the Assistant, stores the turn, and logs
what happened — lengths, counts, timings and status, never the question text.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import g, render_template, session

from assistant.checks.guardrails import personal_data_kinds
from assistant.protocols import AssistantLike
from assistant.types import ERROR, PERSONAL_DATA, Answer, Status, Turn
from web.forms import AskRequest
from web.logs import describe
from web.presenters import turn_view
from web.services import services
from web.storage import StoredConversation, StoredTurn

log = logging.getLogger("web.ask")

# Refused or failed turns carry no content worth following up (a refused question is not stored).
SKIPPED_IN_HISTORY: frozenset[Status] = frozenset({PERSONAL_DATA, ERROR})


def owner(*, create: bool) -> str | None:
    """This browser's owner id; created (and the session made permanent) when asked to."""
    value = session.get("owner")
    if value is None and create:
        value = secrets.token_urlsafe(18)
        session["owner"] = value
        session.permanent = True
    return value if isinstance(value, str) else None


def owned_conversation(conversation_id: str) -> StoredConversation | None:
    who = owner(create=False)
    if not conversation_id or who is None:
        return None
    return services().store.conversation(conversation_id, who)


def owned_turn(turn_id: str) -> tuple[str, int] | None:
    """(conversation_id, position) of a turn of this browser's; None for anyone else's."""
    found = services().store.turn_location(turn_id)
    who = owner(create=False)
    if found is None or who is None or found[0] != who:
        return None
    return found[1], found[2]


def history_of(conversation: StoredConversation | None) -> tuple[Turn, ...]:
    if conversation is None:
        return ()
    keep = services().settings.history_turns
    usable = [t for t in conversation.turns if t.status not in SKIPPED_IN_HISTORY]
    turns = usable[-keep:] if keep else []
    return tuple(Turn(question=t.question, answer=_own_answer(t)) for t in turns)


def _own_answer(turn: StoredTurn) -> str:
    """A stored answer as history. It quotes documents, which may print a contact number or an
    address: such an answer is left out (its question stays), so the core's history check does
    not refuse every follow-up, and the detail never reaches a prompt."""
    text = turn.answer.text
    return "" if personal_data_kinds(text) else text


@dataclass(frozen=True)
class Asked:
    answer: Answer
    conversation_id: str
    turn: StoredTurn | None


def _log(kind: str, req: AskRequest, answer: Answer, started: float, turns: int) -> None:
    log.info(
        "%s id=%s question_chars=%d history_turns=%d filtered=%s status=%s citations=%d "
        "generator=%s ms=%.0f",
        kind,
        g.get("request_id", ""),
        len(req.question),
        turns,
        not req.filters.is_empty(),
        answer.status,
        len(answer.citations),
        answer.generator,
        (time.perf_counter() - started) * 1000,
    )


def conversation_for(req: AskRequest, *, create: bool) -> StoredConversation | None:
    conversation = owned_conversation(req.conversation_id)
    if conversation is None and create:
        who = owner(create=True)
        assert who is not None
        store = services().store
        conversation = store.conversation(store.new_conversation(who), who)
    return conversation


def _store(
    conversation: StoredConversation | None, question: str, answer: Answer
) -> StoredTurn | None:
    if conversation is None:
        return None
    who = owner(create=False) or ""
    return services().store.add_turn(conversation.conversation_id, who, question, answer)


def ask(req: AskRequest, *, create_conversation: bool) -> Asked:
    """One question, answered and (when there is a conversation) stored."""
    started = time.perf_counter()
    assistant = services().assistants.get()
    conversation = conversation_for(req, create=create_conversation)
    history = req.history or history_of(conversation)
    chosen = {"generator": req.generator} if req.generator else {}
    answer = assistant.ask(req.question, history, req.filters, **chosen)
    turn = _store(conversation, req.question, answer)
    _log("ask", req, answer, started, len(history))
    return Asked(answer, conversation.conversation_id if conversation else "", turn)


def sse(event: str, data: Any) -> str:
    """One server-sent event; data is JSON, so newlines in text never break the framing."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream(
    req: AskRequest, assistant: AssistantLike, conversation: StoredConversation
) -> Iterator[str]:
    """Events: ``meta``, ``token``… then one ``answer`` (rendered turn HTML + Answer JSON with its
    shape fields: lead, groups, missing, related, refusal).

    Runs inside ``stream_with_context``; the conversation (and the session cookie naming its owner)
    is settled before the response starts. Any failure ends the stream with an ``error`` event.
    """
    started = time.perf_counter()
    try:
        history = req.history or history_of(conversation)
        yield sse("meta", {"conversation_id": conversation.conversation_id})
        answer = None
        for kind, value in assistant.ask_stream(req.question, history, req.filters):
            if kind == "token":
                yield sse("token", str(value))
            elif kind == "answer" and isinstance(value, Answer):
                answer = value
        if answer is None:
            raise RuntimeError("the answer stream ended without an answer")
        turn = _store(conversation, req.question, answer)
        _log("ask_stream", req, answer, started, len(history))
        yield sse("answer", _answer_event(conversation.conversation_id, turn, answer))
    except Exception as exc:
        log.error("ask_stream failed id=%s error=%s", g.get("request_id", ""), describe(exc))
        yield sse("error", {"message": "Sorry, the answer could not be finished. Try again."})


def _answer_event(conversation_id: str, turn: StoredTurn | None, answer: Answer) -> dict[str, Any]:
    view = turn_view(
        turn.turn_id if turn else "",
        turn.position if turn else 1,
        turn.question if turn else "",
        answer,
    )
    return {
        "conversation_id": conversation_id,
        "conversation_url": f"/c/{conversation_id}",
        "turn_id": view.turn_id,
        "refused": view.refused,  # the page keeps the question in the box to edit
        "html": render_template("_turn.html", turn=view, conversation_id=conversation_id),
        "answer": answer.to_dict(),
    }
