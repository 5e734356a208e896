"""Canned texts of the answering core, from ``prompts/messages_core.v<N>.yaml``.

Keys not found there are looked up in the shared ``prompts/messages`` file (owned by the
guardrails), so the core can reuse texts such as ``llm_unverified``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import yaml

from assistant.errors import ConfigurationError
from assistant.prompts import load_prompt, message


@lru_cache(maxsize=4)
def core_messages() -> Mapping[str, str]:
    prompt = load_prompt("messages_core")
    data = yaml.safe_load(prompt.text) or {}
    texts = data.get("messages") if isinstance(data, dict) else None
    if not isinstance(texts, dict):
        raise ConfigurationError(f"{prompt.path.name}: no 'messages:' mapping")
    return {str(k): " ".join(str(v).split()) for k, v in texts.items()}


def core_message(key: str, **values: object) -> str:
    """One canned text with ``{placeholders}`` filled."""
    texts = core_messages()
    if key not in texts:
        return message(key, **values)
    return texts[key].format(**values) if values else texts[key]
