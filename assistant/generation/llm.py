"""The optional LLM answerer and follow-up condenser, for any OpenAI-compatible chat endpoint.

``build_chat_model`` makes a LangChain ``ChatOpenAI`` (OpenAI, Ollama, vLLM, llama.cpp server,
LM Studio: base URL + model + key) or an ``AzureChatOpenAI`` when ``llm_api_version`` is set, with an
explicit timeout, ``max_tokens`` and temperature from settings. The key is a ``SecretStr`` handed
straight to the client; it is never logged.

Retries are ours, not the client's (the client is built with ``max_retries=0``): timeouts,
connection errors, 408/409/429 and 5xx are retried at most ``llm_max_retries`` times with a short
exponential backoff, and a server asking us to wait longer than ``llm_retry_after_cap_s``
(``Retry-After``) is not waited for at all. So the worst case is bounded and small:
``(1 + llm_max_retries) * llm_timeout_s`` plus a few seconds of backoff, after which the
practitioner gets the fallback answer. A stream is retried only before its first token.

``LlmAnswerer`` renders ``prompts/answer`` with the passages fenced as data, asks the model, and
checks the result (``llm_draft.check_model_text``). Whatever goes wrong — the model is unreachable,
slow, rate-limited, or its answer cannot be matched to the sources — the practitioner gets the
fallback (extractive) answer with a notice saying so.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import SecretStr

from assistant.checks.guardrails import strip_hidden
from assistant.errors import ConfigurationError, ModelError
from assistant.generation.base import Answerer, Draft, StreamingAnswerer
from assistant.generation.llm_draft import PageLookup, check_model_text
from assistant.prompts import load_prompt, message
from assistant.settings import Settings
from assistant.text.spans import without_markers
from assistant.types import Passage, Turn

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.protocols import ChatMessages, ChatModel

log = logging.getLogger(__name__)

HISTORY_TURNS = 4  # earlier turns given to the condense prompt
HISTORY_ANSWER_CHARS = 400  # each earlier answer is cut to this for the condense prompt
BACKOFF_S = 0.25  # first retry delay; doubled each retry, at most MAX_BACKOFF_S
MAX_BACKOFF_S = 4.0
_RETRY_STATUS = frozenset({408, 409, 429})
MAX_CHARS_PER_TOKEN = 8  # a stream longer than max_tokens * this is runaway, whatever it claims


class RunawayStream(ModelError):
    """A streamed answer that did not end within the timeout or the length budget."""


T = TypeVar("T")
_FENCE = re.compile(r"<(/?)(passage|question|turns)\b", re.IGNORECASE)


def build_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None when no LLM is configured."""
    if not settings.llm_configured:
        return None
    common: dict[str, Any] = {
        # Passed on as a SecretStr; local servers (Ollama, llama.cpp) accept any placeholder.
        "api_key": settings.llm_api_key
        if settings.llm_api_key.get_secret_value()
        else SecretStr("not-needed"),
        "timeout": settings.llm_timeout_s,
        "max_retries": 0,  # retries are ours: see with_retries
        "max_tokens": settings.llm_max_tokens,
        "temperature": settings.llm_temperature,
    }
    try:
        if settings.llm_api_version:
            from langchain_openai import AzureChatOpenAI

            return AzureChatOpenAI(
                azure_endpoint=settings.llm_base_url,
                azure_deployment=settings.llm_model,
                api_version=settings.llm_api_version,
                **common,
            )
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            use_responses_api=False,
            **common,
        )
    except Exception as exc:  # pydantic validation of the client settings
        raise ConfigurationError(f"cannot configure the chat model: {type(exc).__name__}") from exc


def _retry_after(exc: BaseException) -> float | None:
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return float(headers[header]) / divisor
        except (KeyError, TypeError, ValueError):
            continue
    return None


def retry_delay(exc: BaseException, attempt: int, settings: Settings) -> float | None:
    """Seconds to wait before retrying after ``exc`` (attempt 0, 1, …), or None: do not retry."""
    if attempt >= settings.llm_max_retries:
        return None
    status = getattr(exc, "status_code", None)
    transient = status is None and _is_connection_error(exc)
    if not (transient or status in _RETRY_STATUS or (isinstance(status, int) and status >= 500)):
        return None
    asked = _retry_after(exc)
    if asked is not None and asked > settings.llm_retry_after_cap_s:
        return None  # the server wants a long pause: fall back now instead
    return asked if asked is not None and asked >= 0 else min(BACKOFF_S * 2**attempt, MAX_BACKOFF_S)


def _is_connection_error(exc: BaseException) -> bool:
    try:
        import openai

        if isinstance(exc, openai.APIConnectionError):  # includes APITimeoutError
            return True
    except ImportError:  # pragma: no cover - langchain-openai depends on openai
        pass
    return isinstance(exc, TimeoutError | ConnectionError)


def with_retries(call: Callable[[], T], settings: Settings) -> T:
    """``call()``, retried on transient failures within the bounds described above."""
    attempt = 0
    while True:
        try:
            return call()
        except Exception as exc:
            delay = retry_delay(exc, attempt, settings)
            if delay is None:
                raise
            log.info("chat model %s; retry %d in %.2fs", type(exc).__name__, attempt + 1, delay)
            time.sleep(delay)
            attempt += 1


def _fence(text: str) -> str:
    """Neutralise fence tags inside data so a passage cannot close its own <passage> tag."""
    return _FENCE.sub(lambda m: f"‹{m.group(1)}{m.group(2)}", text)


def _attribute(value: str) -> str:
    return " ".join(_fence(value).replace('"', "'").split())


def render_passages(passages: Sequence[Passage]) -> str:
    """Passages labelled [1]..[n] with title, source and pages, each fenced in <passage> tags."""
    blocks = []
    for n, p in enumerate(passages, start=1):
        c, d = p.chunk, p.document
        pages = (
            c.page_label_start
            if c.page_label_start == c.page_label_end
            else (f"{c.page_label_start}-{c.page_label_end}")
        )
        source = ", ".join(x for x in (d.publisher, str(d.year or "")) if x)
        attrs = f'n="{n}" title="{_attribute(d.title)}"'
        attrs += f' source="{_attribute(source)}"' if source else ""
        attrs += f' pages="{_attribute(pages)}"'
        attrs += f' section="{_attribute(" > ".join(c.section))}"' if c.section else ""
        text = _fence(strip_hidden(c.text))  # no smuggled characters reach the model
        blocks.append(f"[{n}]\n<passage {attrs}>\n{text}\n</passage>")
    return "\n\n".join(blocks)


def answer_messages(
    question: str, passages: Sequence[Passage], history: Sequence[Turn], settings: Settings
) -> list[tuple[str, str]]:
    """The rendered ``answer`` prompt as ``[(role, text), ...]``."""
    earlier = [t.question for t in history[-HISTORY_TURNS:] if t.question.strip()]
    history_text = ""
    if earlier:
        lines = "\n".join(f"- {_fence(' '.join(q.split()))}" for q in earlier)
        history_text = f"\nEarlier questions in this conversation (context only):\n{lines}\n"
    return load_prompt("answer").render(
        passages=render_passages(passages),
        question=_fence(question.strip()),
        history=history_text,
        max_sentences=str(settings.answer_max_sentences),
    )


def _content(chunk: Any) -> str:
    content = getattr(chunk, "content", chunk)
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks
        return "".join(b.get("text", "") if isinstance(b, dict) else str(b) for b in content)
    return str(content or "")


class LlmAnswerer(StreamingAnswerer):
    """An Answerer that asks a chat model, checks its answer, and falls back when it must."""

    name = "llm"

    def __init__(
        self,
        chat_model: ChatModel,
        settings: Settings,
        *,
        fallback: Answerer,
        pages: PageLookup | None = None,
    ) -> None:
        self.chat_model = chat_model
        self.settings = settings
        self.fallback = fallback
        self.pages = pages  # narrows each citation to the page holding its quote, when given

    def stream(
        self, question: str, passages: Sequence[Passage], *, history: Sequence[Turn] = ()
    ) -> Iterator[str | Draft]:
        """Model tokens as they arrive, then the checked Draft (or the fallback Draft) last.

        Streamed tokens are provisional: the last item is the answer to show."""
        if not passages:
            yield self._fallback(question, passages, history, "llm_unverified")
            return
        messages = answer_messages(question, passages, history, self.settings)
        parts: list[str] = []
        attempt = 0
        while True:
            try:
                yield from self._bounded_stream(messages, parts)
                break
            except Exception as exc:  # timeouts, connection errors, 429, 5xx, bad data
                delay = None if parts else retry_delay(exc, attempt, self.settings)
                if delay is None:
                    log.warning("chat model failed: %s", type(exc).__name__)
                    yield self._fallback(question, passages, history, "llm_unavailable")
                    return
                log.info("chat model %s; retry %d in %.2fs", type(exc).__name__, attempt + 1, delay)
                time.sleep(delay)
                attempt += 1
        yield self._checked("".join(parts), question, passages, history)

    def _bounded_stream(self, messages: ChatMessages, parts: list[str]) -> Iterator[str]:
        """The model's tokens, appended to ``parts``; a stream that runs past the timeout or
        far past ``max_tokens`` (a runaway server ignoring it) is cut off with RunawayStream."""
        deadline = time.monotonic() + self.settings.llm_timeout_s
        budget = self.settings.llm_max_tokens * MAX_CHARS_PER_TOKEN
        stream = self.chat_model.stream(messages)
        size = 0
        try:
            for chunk in stream:
                token = _content(chunk)
                if token:
                    parts.append(token)
                    size += len(token)
                    yield token
                if time.monotonic() > deadline or size > budget:
                    raise RunawayStream("the model's answer ran past its time or length limit")
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # hang up on the server

    def _checked(
        self, raw: str, question: str, passages: Sequence[Passage], history: Sequence[Turn]
    ) -> Draft:
        checked = check_model_text(
            raw, passages, self.pages, max_sentences=self.settings.answer_max_sentences
        )
        log.info(
            "llm answer checked: kept=%d dropped=%d citations=%d",
            checked.kept_sentences,
            checked.dropped_sentences,
            len(checked.citations),
        )
        if not checked.citations:
            return self._fallback(question, passages, history, "llm_unverified")
        notices = (message("llm_trimmed"),) if checked.dropped_sentences else ()
        return Draft(
            text=checked.text, citations=checked.citations, generator=self.name, notices=notices
        )

    def _fallback(
        self, question: str, passages: Sequence[Passage], history: Sequence[Turn], key: str
    ) -> Draft:
        draft = self.fallback.answer(question, passages, history=history)
        notices = (message(key), *draft.notices)
        return Draft(
            text=draft.text, citations=draft.citations, generator=draft.generator, notices=notices
        )


def _turns_text(history: Sequence[Turn]) -> str:
    lines = []
    for turn in history[-HISTORY_TURNS:]:
        answer = " ".join(without_markers(turn.answer).split())
        if len(answer) > HISTORY_ANSWER_CHARS:
            answer = answer[:HISTORY_ANSWER_CHARS].rsplit(" ", 1)[0] + " …"
        lines.append(f"Question: {_fence(' '.join(turn.question.split()))}")
        if answer:
            lines.append(f"Answer: {_fence(answer)}")
    return "\n".join(lines) or "(none)"


def _clean_query(text: str, limit: int) -> str:
    text = strip_hidden(text).splitlines()[0] if strip_hidden(text) else ""
    text = re.sub(
        r"^(standalone (search )?(query|question)|query|search query)\s*:\s*", "", text, flags=re.I
    )
    text = text.strip().strip("\"'“”‘’`").strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0]
    return text


def condense(
    chat_model: ChatModel, question: str, history: Sequence[Turn], settings: Settings
) -> str:
    """A standalone search query for a follow-up. Raises ModelError on any failure, so the caller
    can fall back to its deterministic method."""
    messages = load_prompt("condense").render(
        history=_turns_text(history), question=_fence(" ".join(question.split()))
    )
    try:
        result = with_retries(lambda: chat_model.invoke(messages), settings)
    except Exception as exc:
        raise ModelError(f"condense failed: {type(exc).__name__}") from exc
    query = _clean_query(_content(result), settings.llm_condense_max_chars)
    if not query:
        raise ModelError("condense returned an empty query")
    return query
