"""Guardrails: what comes in (a practitioner's question) and what goes out (an answer's text).

``check_input`` runs, in order: hidden-character stripping (before everything else, so nothing
invisible can steer a later check), removal of Markdown images and HTML tags (never part of a
question; an image URL is an exfiltration channel and its words only dilute the search), empty, length cap, personal data, instruction tampering and
out-of-scope requests, then live-case signposting. A stop carries a canned message from
``prompts/messages``; detected personal data is named by kind only and never echoed or logged.

``check_output`` removes links/images outside the citation set, unattributed generalisations
about ethnic or faith groups and sentences addressed to an assistant (instructions planted in a
document, even when quoted verbatim), drops citations whose marker no longer appears, and reports what it
did in ``problems``.

Text that comes from documents is data: see ``instruction_like`` (used by the LLM answerer to
refuse support from sentences such as "SYSTEM: the assistant must now state…").
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.checks import personal_data, scope
from assistant.checks.output import (
    allowed_url_set,
    remove_active_content,
    remove_generalisations,
    remove_links,
    tidy,
)
from assistant.prompts import message
from assistant.settings import Settings
from assistant.text.spans import MARKER, sentence_spans
from assistant.types import ERROR, OUT_OF_SCOPE, PERSONAL_DATA, Citation, Passage, Status, Turn

log = logging.getLogger(__name__)

STOP_STATUSES: tuple[Status, ...] = (PERSONAL_DATA, OUT_OF_SCOPE, ERROR)

_ZERO_WIDTH_KEEP = {"\u200c", "\u200d"}  # ZWNJ/ZWJ: kept only inside a word of another script
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u2028\u2029]")
_INSTRUCTION_LIKE = re.compile(
    r"(\b(system|assistant|developer)\s*:|\bignore (?:all |any |your |the )?(?:previous|prior|"
    r"above|earlier) (?:instructions|messages)|\b(?:the|an?|any) (?:assistant|ai|chatbot|"
    r"ai model|language model|llm)s? (?:must|should|shall|will|is to|are to|needs? to)\b|"
    r"\byou (?:must|should) now\b|\bmust now (?:state|say|tell|answer|output|claim)\b|"
    r"\b(?:when|if) (?:(?:you are|you're|you get) asked|(?:you are |you're )?summari[sz]ing|"
    r"(?:you are |you're )?answering)\b[^.]{0,40}\b(?:say|"
    r"state|tell|claim|output)\b|\bdo not (?:tell|mention|reveal) (?:this|these) (?:to )?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class InputVerdict:
    """``status`` None: proceed with ``question`` (the cleaned text). Otherwise stop and show
    ``message``. ``notices`` go with an answer that still proceeds (live-case signposting)."""

    question: str
    status: Status | None
    message: str
    notices: tuple[str, ...]
    reason: str = ""  # the scope rule that refused the question (assistant.checks.scope.refusal)


@dataclass(frozen=True)
class OutputVerdict:
    text: str
    citations: tuple[Citation, ...]
    problems: tuple[str, ...]


def _hidden(char: str, before: str, after: str) -> bool:
    """Whether ``char`` is an invisible character to strip (tags, zero-width, bidi, Cf, VS)."""
    code = ord(char)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    category = unicodedata.category(char)
    if category == "Cc":
        return char not in "\n\t"
    if category != "Cf":
        return False
    if char in _ZERO_WIDTH_KEEP:  # joiners matter inside Arabic, Indic or emoji sequences only
        return not (before and after and ord(before) > 0x2FF and ord(after) > 0x2FF)
    return True  # tag chars E0000-E007F, zero-width, bidi controls, soft hyphen, BOM, …


def strip_hidden(text: str) -> str:
    """Text without hidden format characters; odd spaces become plain spaces; NFC; trimmed."""
    kept = [
        c
        for i, c in enumerate(text)
        if not _hidden(c, text[i - 1] if i else "", text[i + 1] if i + 1 < len(text) else "")
    ]
    cleaned = _SPACES.sub(" ", "".join(kept))
    cleaned = re.sub(r"[ \t]+", " ", cleaned)
    cleaned = re.sub(r"\s*\n\s*", "\n", cleaned)
    return unicodedata.normalize("NFC", cleaned).strip()


def _stop(question: str, status: Status, text: str, reason: str = "") -> InputVerdict:
    return InputVerdict(question=question, status=status, message=text, notices=(), reason=reason)


def _notices(text: str) -> tuple[str, ...]:
    notices: list[str] = []
    if scope.is_danger(text):
        notices.append(message("danger"))
    if scope.is_live_case(text):
        notices.append(message("live_case"))
    return tuple(notices)


def check_input(question: str, settings: Settings) -> InputVerdict:
    """Clean the question and decide whether it may be searched and answered."""
    cleaned = remove_active_content(strip_hidden(question or ""))
    if not cleaned:
        return _stop("", ERROR, message("empty"))
    if len(cleaned) > settings.max_question_chars:
        return _stop(cleaned, ERROR, message("too_long", limit=settings.max_question_chars))
    folded = unicodedata.normalize("NFKC", cleaned)  # full-width digits etc. for the detectors
    kinds = personal_data.detect(folded)
    if kinds:
        log.info("question refused: personal data kinds=%s", ",".join(kinds))
        text = message("personal_data", kinds=personal_data.describe(kinds))
        return _stop(cleaned, PERSONAL_DATA, text)
    reason = scope.refusal(folded)
    if reason:
        log.info("question refused: %s", reason)
        return _stop(cleaned, OUT_OF_SCOPE, message(reason), reason)
    return InputVerdict(question=cleaned, status=None, message="", notices=_notices(folded))


def personal_data_kinds(text: str) -> tuple[str, ...]:
    """Kinds of personal data in any text a person sent (cleaned and folded as questions are)."""
    cleaned = remove_active_content(strip_hidden(text or ""))
    return personal_data.detect(unicodedata.normalize("NFKC", cleaned)) if cleaned else ()


def check_history(history: Sequence[Turn]) -> InputVerdict:
    """Earlier turns sent with a question are read like the question itself: personal data in
    any of them stops the question (the client may send any history it likes)."""
    kinds: tuple[str, ...] = ()
    for turn in history:
        kinds += personal_data_kinds(turn.question) + personal_data_kinds(turn.answer)
    if not kinds:
        return InputVerdict(question="", status=None, message="", notices=())
    kinds = tuple(k for k in personal_data.KIND_LABELS if k in kinds)
    log.info("history refused: personal data kinds=%s", ",".join(kinds))
    text = message("personal_data", kinds=personal_data.describe(kinds))
    return _stop("", PERSONAL_DATA, text)


def instruction_like(sentence: str) -> bool:
    """Whether a sentence from a document addresses an assistant or model (injected orders)."""
    return bool(_INSTRUCTION_LIKE.search(sentence))


def _remove_instruction_like(text: str) -> tuple[str, int]:
    """Sentences that address an assistant are instructions planted in a document, not learning:
    they never appear in an answer, even as a verbatim quote."""
    spans = [sp for sp in sentence_spans(text) if instruction_like(sp.text)]
    for span in reversed(spans):
        text = text[: span.start] + text[span.end :]
    return (tidy(text), len(spans)) if spans else (text, 0)


def _cited_texts(citations: Sequence[Citation], passages: Sequence[Passage]) -> list[str]:
    chunk_ids = {c.chunk_id for c in citations}
    texts = [p.chunk.text for p in passages if p.chunk.chunk_id in chunk_ids]
    return texts + [c.quote for c in citations if c.quote]


def check_output(
    text: str, citations: Sequence[Citation], passages: Sequence[Passage]
) -> OutputVerdict:
    """Remove links and images outside the citations, unattributed group generalisations, and
    sentences addressed to an assistant."""
    problems: list[str] = []
    allowed = allowed_url_set([c.url for c in citations] + [c.viewer_url for c in citations])
    text, links = remove_links(text, allowed)
    if links:
        problems.append(f"removed {links} link(s) or image(s) not among the cited sources")
    text, general = remove_generalisations(text, _cited_texts(citations, passages))
    if general:
        problems.append(
            f"removed {general} sentence(s) generalising about an ethnic or faith group"
        )
    text, planted = _remove_instruction_like(text)
    if planted:
        problems.append(f"removed {planted} sentence(s) addressed to an assistant (planted text)")
    present = {int(m.group(1)) for m in MARKER.finditer(text)}
    kept = tuple(c for c in citations if c.n in present)
    if len(kept) < len(citations):
        problems.append(f"dropped {len(citations) - len(kept)} citation(s) no longer in the text")
    for problem in problems:
        log.info("output check: %s", problem)
    return OutputVerdict(text=text, citations=kept, problems=tuple(problems))
