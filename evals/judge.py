"""Judges for ALCE-style citation recall/precision: does this evidence support this claim?

``LexicalJudge`` is the offline default and a *proxy*: content-word overlap between the claim and
the cited passages, plus a guard that rejects a claim carrying a number, a negation or a modal verb
the evidence does not contain (the cheap ways a paraphrase turns a source's meaning around).
``LLMJudge`` asks a configured chat model with ``prompts/judge.v1.md`` (``assistant.prompts`` format); on any failure it falls
back to the lexical judge and says so in the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.prompts import Prompt, load_prompt
from assistant.protocols import ChatModel
from evals import text as t

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    supported: bool
    score: float  # 0..1, the judge's confidence or overlap
    reason: str


class Judge(Protocol):
    @property
    def name(self) -> str: ...

    def supports(self, claim: str, evidence: Sequence[str]) -> Verdict: ...


@dataclass(frozen=True)
class LexicalJudge:
    """Offline proxy judge: overlap of stemmed content words plus a number/negation/modal guard."""

    min_overlap: float = 0.6
    name: str = "lexical-v1"

    def supports(self, claim: str, evidence: Sequence[str]) -> Verdict:
        body = t.strip_markers(claim).rstrip(" .;:")
        joined = " ".join(evidence)
        if not body:
            return Verdict(True, 1.0, "empty claim")
        if t.loose(body) in t.loose(joined):
            return Verdict(True, 1.0, "verbatim in the cited passage")
        guard = self._guard(body, joined)
        wanted = t.content_words(body)
        overlap = len(wanted & t.content_words(joined)) / len(wanted) if wanted else 1.0
        if guard:
            return Verdict(False, overlap, guard)
        if overlap >= self.min_overlap:
            return Verdict(True, overlap, f"content-word overlap {overlap:.2f}")
        return Verdict(False, overlap, f"content-word overlap {overlap:.2f} < {self.min_overlap}")

    @staticmethod
    def _guard(claim: str, evidence: str) -> str:
        for label, extract in (
            ("number", t.numbers),
            ("negation", t.negations),
            ("modal verb", t.modals),
        ):
            missing = sorted(extract(claim) - extract(evidence))
            if missing:
                return f"guard: {label} {', '.join(repr(m) for m in missing)} not in the evidence"
        return ""


class LLMJudge:
    """Asks a chat model (LangChain ``invoke`` interface) whether the evidence supports the claim."""

    name = "llm-judge-v1"

    def __init__(self, chat_model: ChatModel, prompt: Prompt | None = None) -> None:
        self._chat = chat_model
        self._prompt = prompt or load_prompt("judge", version=1)
        self.name = f"llm-{self._prompt.label}"
        self._fallback = LexicalJudge()

    def supports(self, claim: str, evidence: Sequence[str]) -> Verdict:
        numbered = "\n\n".join(f"[{i}] {e}" for i, e in enumerate(evidence, 1))
        messages = self._prompt.render(claim=t.strip_markers(claim), evidence=numbered)
        try:
            reply = self._chat.invoke(messages)
            content = str(getattr(reply, "content", reply)).strip()
        except Exception as exc:  # the judge must never stop a run
            log.warning("LLM judge failed (%s); using the lexical judge", type(exc).__name__)
            v = self._fallback.supports(claim, evidence)
            return Verdict(v.supported, v.score, f"LLM judge failed, lexical: {v.reason}")
        first = content.split(maxsplit=1)[0].strip(".:,").upper() if content else ""
        if first in ("SUPPORTED", "NOT_SUPPORTED"):
            supported = first == "SUPPORTED"
            return Verdict(supported, 1.0 if supported else 0.0, f"LLM judge: {content[:160]}")
        v = self._fallback.supports(claim, evidence)
        return Verdict(v.supported, v.score, f"LLM judge unparseable, lexical: {v.reason}")
