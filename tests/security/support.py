"""What the security suites share: a small library with planted text, served by the real Assistant
(hashing embedder, real Chroma, real SQLite, real Flask), optionally with the stand-in LLM.

``security_app(tmp_path, ...)`` returns a Flask app over a fresh data directory; ``ask_form`` and
``ask_json`` ask the way a browser and an API client do.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from tests.answering_support import DocSpec, write_pages_build
from tests.fakes import HashingEmbedder
from tests.test_injection_end_to_end import PLANTED  # the shared planted note
from tests.web_fakes import csrf_token

CHILD_Q = DocSpec(
    doc_id="child-q",
    title="Local Child Safeguarding Practice Review: Child Q",
    url="https://example.org/child-q.pdf",
    media_type="pdf",
    pages=[
        "The review concluded that racism was likely to have been an influencing factor in the "
        "decision to strip search the girl at school.\n\nThe search should never have happened "
        "and could not be justified.",
        "Adultification bias probably influenced the practitioners involved on the day. Black "
        "girls were seen as older and less in need of protection than they were.",
    ],
)
BRIEFING = DocSpec(
    doc_id="adultification-briefing",
    title="Briefing: adultification bias in safeguarding",
    url="https://example.org/adultification",
    pages=[
        "Practitioners should ask what they would do if the child were white. Supervision should "
        "make room to talk about race and identity in every assessment.",
        "Interpreters were rarely used. Where a parent's first language was not English, children "
        "were sometimes asked to interpret, which silenced them.",
    ],
)
LIBRARY = (CHILD_Q, BRIEFING, PLANTED)

# Links an answer may carry: the citations' own sources and this app's viewer.
URL = re.compile(r"""(?:https?|javascript|data|vbscript|file):[^\s"'<>)\]]+""", re.IGNORECASE)


def security_settings(data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": f"sqlite:///{data_dir / 'rla.sqlite3'}",
        "secret_key": "security-suite-secret",
        "relevance_threshold": 0.0,
        "llm_max_retries": 0,
        "rate_limit": "1000/minute",
        "_env_file": None,
    }
    values.update(overrides)
    return Settings(**values)


def security_assistant(settings: Settings, specs: tuple[DocSpec, ...] = LIBRARY) -> Any:
    """The real Assistant over a build of ``specs`` (the stand-in LLM when one is configured)."""
    from assistant.generation.llm import build_chat_model
    from assistant.pipeline import build_assistant

    embedder = HashingEmbedder()
    index = write_pages_build(settings, specs, embedder)
    model = build_chat_model(settings) if settings.llm_configured else None
    return build_assistant(settings, embedder=embedder, index=index, chat_model=model)


def security_app(data_dir: Path, specs: tuple[DocSpec, ...] = LIBRARY, **overrides: Any) -> Any:
    from web import create_app

    settings = security_settings(data_dir, **overrides)
    return create_app(settings, assistant=security_assistant(settings, specs))


def ask_form(client: Any, question: str, **fields: str) -> Any:
    """Ask through the no-JavaScript form (POST /ask → 303)."""
    token = csrf_token(client)
    return client.post("/ask", data={"question": question, "csrf_token": token, **fields})


def conversation_path(response: Any) -> str:
    return str(response.headers["Location"]).split("#")[0].split("?")[0]


def every_url(text: str) -> set[str]:
    return {m.group(0).rstrip(".,;") for m in URL.finditer(text)}


def database_text(app: Any) -> str:
    """Every row of the conversations, turns and feedback tables, as text."""
    from sqlalchemy import text

    rows = []
    with app.extensions["rla"].store.engine.connect() as conn:
        for table in ("conversations", "turns", "feedback"):
            rows += [repr(tuple(r)) for r in conn.execute(text(f"select * from {table}"))]  # noqa: S608
    return "\n".join(rows)
