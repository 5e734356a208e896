"""The reflective-question bank: discussion questions written for session packs, by theme.

The bank is a versioned file in ``prompts/`` (``reflective_questions.v<N>.yaml``; the newest is
used). Trainers edit and extend it. Each theme gives the label shown in packs, the question the
library is searched with for that theme, other words a trainer may type for it, optional aims
and the discussion questions. Questions from the bank are never review findings: packs label
them with ``QuestionBank.label``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import ConfigurationError
from assistant.prompts import PROMPTS_DIR, load_prompt

BANK_NAME = "reflective_questions"


@dataclass(frozen=True)
class BankTheme:
    """One theme of the bank."""

    theme_id: str
    label: str
    search: str  # the question the library is searched with for this theme
    aliases: tuple[str, ...] = ()
    aims: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuestionBank:
    version: str  # "reflective_questions.v1"
    label: str  # how packs label the questions ("written for this pack ...")
    default_aims: tuple[str, ...]
    general: tuple[str, ...]
    themes: Mapping[str, BankTheme]

    def theme(self, theme_id: str) -> BankTheme:
        if theme_id not in self.themes:
            raise ConfigurationError(f"the question bank {self.version} has no theme {theme_id!r}")
        return self.themes[theme_id]

    def match(self, topic: str) -> BankTheme | None:
        """The theme a trainer's topic names: its id, its label or an alias, as the whole topic."""
        wanted = _key(topic)
        for theme in self.themes.values():
            names = (theme.theme_id, theme.label, *theme.aliases)
            if wanted in {_key(n) for n in names}:
                return theme
        return None

    def aims(self, theme: BankTheme | None, label: str) -> tuple[str, ...]:
        aims = theme.aims if theme and theme.aims else self.default_aims
        return tuple(a.replace("{label}", label) for a in aims)

    def questions(self, theme: BankTheme | None) -> tuple[str, ...]:
        return theme.questions if theme and theme.questions else self.general


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "'").replace("'", "")).strip()


def load_bank(*, version: int | None = None, directory: Path | None = None) -> QuestionBank:
    """The newest (or the given) version of the bank from ``prompts/``."""
    try:
        prompt = load_prompt(BANK_NAME, version=version, directory=directory)
        data = yaml.safe_load(prompt.text) or {}
    except yaml.YAMLError as exc:
        where = directory or PROMPTS_DIR
        raise ConfigurationError(f"the question bank in {where} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("themes"), dict):
        raise ConfigurationError(f"{prompt.path.name}: no 'themes:' mapping")
    themes = {str(k): _theme(str(k), v, prompt.path.name) for k, v in data["themes"].items()}
    return QuestionBank(
        version=prompt.label,
        label=" ".join(str(data.get("label", "")).split()),
        default_aims=_strings(data.get("default_aims")),
        general=_strings((data.get("general") or {}).get("questions")),
        themes=themes,
    )


def _theme(theme_id: str, raw: Any, where: str) -> BankTheme:
    if not isinstance(raw, dict) or not raw.get("label") or not raw.get("search"):
        raise ConfigurationError(f"{where}: theme {theme_id!r} needs a label and a search question")
    return BankTheme(
        theme_id=theme_id,
        label=str(raw["label"]),
        search=str(raw["search"]),
        aliases=_strings(raw.get("aliases")),
        aims=_strings(raw.get("aims")),
        questions=_strings(raw.get("questions")),
    )


def _strings(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigurationError(f"expected a list of texts in the question bank, got {raw!r}")
    return tuple(" ".join(str(x).split()) for x in raw if str(x).strip())
