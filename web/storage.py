"""Conversations, turns and feedback in SQL (SQLite by default, Postgres via RLA_DATABASE_URL).

A conversation belongs to an *owner*: a random id kept in the browser's signed session cookie (no
accounts). Turns store the question (the user's own history, never logged) and the Answer JSON, so a
conversation can be shown again and exported. Feedback rows carry a snapshot of what they rate, so
they stay meaningful after the conversation they came from is purged.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from assistant.types import PERSONAL_DATA, Answer, Citation, Status, status_of

TITLE_CHARS = 80
WITHHELD = "[Question not stored: it appeared to contain personal details.]"


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    """Unguessable ids: conversations and turns are addressed by them in URLs."""
    return secrets.token_hex(12)


class Base(DeclarativeBase):
    pass


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    turns: Mapped[list[TurnRow]] = relationship(
        back_populates="conversation",
        cascade="all, delete-orphan",
        order_by="TurnRow.position",
    )


class TurnRow(Base):
    __tablename__ = "turns"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))
    answer_json: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    conversation: Mapped[ConversationRow] = relationship(back_populates="turns")


class FeedbackRow(Base):
    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    turn_id: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(16))  # answer | source
    citation_n: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[str] = mapped_column(Text, default="[]")
    comment: Mapped[str] = mapped_column(Text, default="")
    question: Mapped[str] = mapped_column(Text, default="")
    answer_status: Mapped[str] = mapped_column(String(32), default="")
    generator: Mapped[str] = mapped_column(String(32), default="")
    build_id: Mapped[str] = mapped_column(String(64), default="")
    doc_id: Mapped[str] = mapped_column(String(200), default="")
    chunk_id: Mapped[str] = mapped_column(String(250), default="")
    page: Mapped[str] = mapped_column(String(40), default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


# --- what the store hands out (plain frozen values, no ORM sessions leaking) ---------------------


@dataclass(frozen=True)
class StoredTurn:
    turn_id: str
    position: int
    question: str
    status: Status
    answer: Answer  # parsed once here, from the stored Answer JSON
    created: datetime


@dataclass(frozen=True)
class StoredConversation:
    conversation_id: str
    title: str
    created: datetime
    updated: datetime
    turns: tuple[StoredTurn, ...] = ()
    turn_count: int = 0


@dataclass(frozen=True)
class FeedbackEntry:
    turn_id: str
    target: str  # answer | source
    rating: str  # helpful | not_helpful | relevant | not_relevant
    citation_n: int | None = None
    reasons: tuple[str, ...] = ()
    comment: str = ""


@dataclass(frozen=True)
class PurgeReport:
    conversations: int
    turns: int
    feedback: int


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _turn(row: TurnRow) -> StoredTurn:
    return StoredTurn(
        turn_id=row.id,
        position=row.position,
        question=row.question,
        status=status_of(row.status),
        answer=Answer.from_dict(json.loads(row.answer_json)),
        created=_aware(row.created),
    )


def _conversation(row: ConversationRow, *, with_turns: bool) -> StoredConversation:
    turns = tuple(_turn(t) for t in row.turns) if with_turns else ()
    return StoredConversation(
        conversation_id=row.id,
        title=row.title,
        created=_aware(row.created),
        updated=_aware(row.updated),
        turns=turns,
        turn_count=len(row.turns),
    )


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_for_several_processes)
    return engine


def _sqlite_for_several_processes(connection: Any, _record: Any) -> None:
    """WAL lets readers go on while one worker process writes; a writer waits up to 10 s for
    another instead of failing at once with "database is locked"."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Store:
    """All reads and writes of conversations and feedback."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> Store:
        store = cls(make_engine(url))
        store.create_tables()
        return store

    def create_tables(self) -> None:
        """Bring the schema to the newest migration (see ``web.migrate``)."""
        from web.migrate import upgrade

        upgrade(self.engine)

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # --- conversations ---------------------------------------------------------------------

    def new_conversation(self, owner: str) -> str:
        conversation_id = new_id()
        with self._session() as s:
            s.add(ConversationRow(id=conversation_id, owner=owner))
        return conversation_id

    def conversation(self, conversation_id: str, owner: str) -> StoredConversation | None:
        with self._session() as s:
            row = s.get(ConversationRow, conversation_id)
            if row is None or row.owner != owner:
                return None
            return _conversation(row, with_turns=True)

    def conversations(self, owner: str, limit: int = 50) -> list[StoredConversation]:
        with self._session() as s:
            rows = s.scalars(
                select(ConversationRow)
                .where(ConversationRow.owner == owner)
                .order_by(ConversationRow.updated.desc())
                .limit(limit)
            ).all()
            return [_conversation(r, with_turns=False) for r in rows if r.turns]

    def add_turn(
        self, conversation_id: str, owner: str, question: str, answer: Answer
    ) -> StoredTurn | None:
        """Append a turn; returns None when the conversation is not this owner's."""
        status = answer.status
        stored_question = WITHHELD if status == PERSONAL_DATA else question
        with self._session() as s:
            conv = s.get(ConversationRow, conversation_id)
            if conv is None or conv.owner != owner:
                return None
            row = TurnRow(
                id=new_id(),
                conversation_id=conversation_id,
                position=len(conv.turns) + 1,
                question=stored_question,
                status=status,
                answer_json=json.dumps(answer.to_dict(), ensure_ascii=False),
            )
            conv.turns.append(row)
            if not conv.title and status != PERSONAL_DATA:
                conv.title = _title(question)
            conv.updated = utcnow()
            s.flush()
            return _turn(row)

    def turn(self, turn_id: str) -> StoredTurn | None:
        with self._session() as s:
            row = s.get(TurnRow, turn_id)
            return None if row is None else _turn(row)

    def turn_location(self, turn_id: str) -> tuple[str, str, int] | None:
        """(owner, conversation_id, position) of a turn, or None when there is no such turn."""
        with self._session() as s:
            row = s.get(TurnRow, turn_id)
            if row is None:
                return None
            return row.conversation.owner, row.conversation_id, row.position

    def delete_conversation(self, conversation_id: str, owner: str) -> bool:
        with self._session() as s:
            row = s.get(ConversationRow, conversation_id)
            if row is None or row.owner != owner:
                return False
            s.delete(row)
            return True

    # --- feedback --------------------------------------------------------------------------

    def add_feedback(self, entry: FeedbackEntry) -> int | None:
        """Store feedback on a turn (snapshotting what it rates); None when the turn is unknown."""
        turn = self.turn(entry.turn_id)
        if turn is None:
            return None
        citation = _citation(turn.answer, entry.citation_n)
        if entry.target == "source" and citation is None:
            return None
        row = FeedbackRow(
            turn_id=entry.turn_id,
            target=entry.target,
            citation_n=entry.citation_n,
            rating=entry.rating,
            reasons=json.dumps(list(entry.reasons)),
            comment=entry.comment,
            question=turn.question,
            answer_status=turn.status,
            generator=turn.answer.generator,
            build_id=turn.answer.build_id,
            doc_id=citation.doc_id if citation else "",
            chunk_id=citation.chunk_id if citation else "",
            page=_page_label(citation) if citation else "",
        )
        with self._session() as s:
            s.add(row)
            s.flush()
            return row.id

    def feedback_rows(self) -> list[dict[str, Any]]:
        """Every feedback row as a flat record, oldest first (for evaluators' exports)."""
        with self._session() as s:
            rows = s.scalars(select(FeedbackRow).order_by(FeedbackRow.id)).all()
            return [_feedback_record(r) for r in rows]

    # --- retention -------------------------------------------------------------------------

    def count_older_than(self, cutoff: datetime) -> PurgeReport:
        with self._session() as s:
            old = select(ConversationRow.id).where(ConversationRow.updated < cutoff)
            return PurgeReport(
                conversations=s.scalar(select(func.count()).select_from(old.subquery())) or 0,
                turns=s.scalar(
                    select(func.count(TurnRow.id)).where(TurnRow.conversation_id.in_(old))
                )
                or 0,
                feedback=s.scalar(
                    select(func.count(FeedbackRow.id)).where(FeedbackRow.created < cutoff)
                )
                or 0,
            )

    def purge_older_than(self, cutoff: datetime) -> PurgeReport:
        """Delete conversations last updated before ``cutoff`` (with their turns) and old feedback."""
        report = self.count_older_than(cutoff)
        with self._session() as s:
            old_ids = s.scalars(
                select(ConversationRow.id).where(ConversationRow.updated < cutoff)
            ).all()
            _delete_conversations(s, old_ids)
            s.execute(delete(FeedbackRow).where(FeedbackRow.created < cutoff))
        return report


def _delete_conversations(session: Session, ids: Sequence[str]) -> None:
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        session.execute(delete(TurnRow).where(TurnRow.conversation_id.in_(part)))
        session.execute(delete(ConversationRow).where(ConversationRow.id.in_(part)))


def _title(question: str) -> str:
    text = " ".join(question.split())
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1].rstrip() + "…"


def _citation(answer: Answer, n: int | None) -> Citation | None:
    return next((c for c in answer.citations if n is not None and c.n == n), None)


def _page_label(citation: Citation) -> str:
    start, end = citation.page_start, citation.page_end
    return start if not end or end == start else f"{start}–{end}"


FEEDBACK_FIELDS: tuple[str, ...] = (
    "id",
    "created",
    "turn_id",
    "target",
    "rating",
    "reasons",
    "comment",
    "citation_n",
    "doc_id",
    "chunk_id",
    "page",
    "question",
    "answer_status",
    "generator",
    "build_id",
)


def _feedback_record(row: FeedbackRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "created": _aware(row.created).isoformat(timespec="seconds"),
        "turn_id": row.turn_id,
        "target": row.target,
        "rating": row.rating,
        "reasons": json.loads(row.reasons or "[]"),
        "comment": row.comment,
        "citation_n": row.citation_n,
        "doc_id": row.doc_id,
        "chunk_id": row.chunk_id,
        "page": row.page,
        "question": row.question,
        "answer_status": row.answer_status,
        "generator": row.generator,
        "build_id": row.build_id,
    }
