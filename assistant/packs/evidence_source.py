"""The evidence source packs, ``compare`` and the silence map read (``comparison.EvidenceSource``):
the Assistant itself, whose ``evidence`` and ``document_support`` (ADR 12) run the same
evidence selection answering uses. Kept as a function so the packs code names what it needs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.packs.comparison import EvidenceSource


def evidence_source(assistant: Any) -> EvidenceSource:
    """The Assistant as packs see it (pages that only read ``index`` work with any stand-in)."""
    return assistant  # type: ignore[no-any-return]
