"""Prompt templates and canned messages, loaded from versioned files in ``prompts/``.

A prompt file is named ``<name>.v<N>.md``; the version in the name is the version. It may open
with YAML front matter (description, placeholders); if the front matter names a version, it must
match the file name (a renamed copy cannot silently ship under the wrong version). Its body is split into chat messages by lines such as ``=== system ===`` and
``=== user ===``; ``$placeholders`` are filled with :class:`string.Template` (values are never
re-scanned, so a passage containing ``$x`` or braces is inserted as it is).

Canned texts shown to people live in two catalogues read by one loader (``load_messages``), each
under ``messages:``: ``messages.v<N>.yaml`` (refusals and notices of the checks; ``message``) and
``messages_core.v<N>.yaml`` (the answering core's texts; ``core_message``, which falls back to the
first catalogue so the core can reuse texts such as ``llm_unverified``).

``prompt_versions()`` gives ``{"answer": "v1", ...}`` for eval runs to record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template

import yaml

from assistant.errors import ConfigurationError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_FILE = re.compile(r"^(?P<name>[a-z_]+)\.v(?P<version>\d+)\.(?P<ext>md|yaml)$")
_SECTION = re.compile(r"^=== (system|user|assistant) ===[ \t]*$", re.MULTILINE)
ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Prompt:
    """One versioned prompt file: ``text`` is the body after the front matter."""

    name: str
    version: str  # "v1"
    text: str
    path: Path

    @property
    def label(self) -> str:
        return f"{self.name}.{self.version}"

    def sections(self) -> list[tuple[str, str]]:
        """``[(role, template), ...]`` in file order."""
        parts = _SECTION.split(self.text)
        if len(parts) < 3:
            raise ConfigurationError(f"prompt {self.label} has no '=== system ===' section")
        return [
            (role, body.strip("\n")) for role, body in zip(parts[1::2], parts[2::2], strict=True)
        ]

    def render(self, **values: str) -> list[tuple[str, str]]:
        """The chat messages with every ``$placeholder`` filled; a missing value is an error."""
        try:
            return [(role, Template(body).substitute(values)) for role, body in self.sections()]
        except (KeyError, ValueError) as exc:
            raise ConfigurationError(f"prompt {self.label}: bad placeholder {exc}") from exc


def _candidates(name: str, directory: Path) -> list[tuple[int, Path]]:
    found: list[tuple[int, Path]] = []
    if not directory.is_dir():
        raise ConfigurationError(f"prompts directory not found: {directory}")
    for path in directory.iterdir():
        match = _FILE.match(path.name)
        if match and match["name"] == name:
            found.append((int(match["version"]), path))
    return sorted(found)


def _split_front_matter(raw: str, path: Path) -> tuple[dict[str, object], str]:
    if not raw.startswith("---\n"):
        return {}, raw
    end = raw.find("\n---\n", 4)
    if end < 0:
        raise ConfigurationError(f"{path.name}: unterminated front matter")
    header = yaml.safe_load(raw[4:end]) or {}
    if not isinstance(header, dict):
        raise ConfigurationError(f"{path.name}: front matter is not a mapping")
    return header, raw[end + 5 :]


@lru_cache(maxsize=64)
def _read(path: Path) -> Prompt:
    match = _FILE.match(path.name)
    if not match:
        raise ConfigurationError(f"not a prompt file name: {path.name}")
    raw = path.read_text(encoding="utf-8")
    version = f"v{match['version']}"
    if match["ext"] == "yaml":
        data = yaml.safe_load(raw) or {}
        header, body = (data if isinstance(data, dict) else {}), raw
    else:
        header, body = _split_front_matter(raw, path)
    if (
        header.get("name", match["name"]) != match["name"]
        or str(header.get("version", version)) != version
    ):
        raise ConfigurationError(
            f"{path.name}: header says {header.get('name')}.{header.get('version')}"
        )
    return Prompt(name=match["name"], version=version, text=body, path=path)


def load_prompt(name: str, *, version: int | None = None, directory: Path | None = None) -> Prompt:
    """The newest version of prompt ``name`` (or exactly ``version``)."""
    candidates = _candidates(name, directory or PROMPTS_DIR)
    if version is not None:
        candidates = [c for c in candidates if c[0] == version]
    if not candidates:
        wanted = f"{name}.v{version}" if version is not None else name
        raise ConfigurationError(f"no prompt file for {wanted!r} in {directory or PROMPTS_DIR}")
    return _read(candidates[-1][1])


@lru_cache(maxsize=16)
def load_messages(
    name: str = "messages", *, version: int | None = None, directory: Path | None = None
) -> Mapping[str, str]:
    """A catalogue of canned texts keyed by a short id such as ``personal_data``: ``messages``
    (the checks' refusals and notices) or ``messages_core`` (the answering core's texts)."""
    prompt = load_prompt(name, version=version, directory=directory)
    data = yaml.safe_load(prompt.text) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(messages, dict):
        raise ConfigurationError(f"{prompt.path.name}: no 'messages:' mapping")
    return {str(k): " ".join(str(v).split()) for k, v in messages.items()}


def message(key: str, **values: object) -> str:
    """One canned text, with ``{placeholders}`` filled (e.g. ``{limit}``)."""
    texts = load_messages()
    if key not in texts:
        raise ConfigurationError(f"no canned message {key!r} in prompts/messages")
    return texts[key].format(**values) if values else texts[key]


def core_message(key: str, **values: object) -> str:
    """One canned text of the answering core, else of the shared catalogue, filled in."""
    texts = load_messages("messages_core")
    if key not in texts:
        return message(key, **values)
    return texts[key].format(**values) if values else texts[key]


def prompt_versions(directory: Path | None = None) -> dict[str, str]:
    """``{name: newest version}`` of every prompt file, for eval runs to record."""
    folder = directory or PROMPTS_DIR
    names = {m["name"] for p in folder.iterdir() if (m := _FILE.match(p.name))}
    return {name: load_prompt(name, directory=folder).version for name in sorted(names)}
