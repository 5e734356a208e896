"""Thresholds on evidence scores, per embedding model and kind of unit vector (fitted on the
``tune`` splits only; ADR 12, ADR 24)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Calibration:
    """Thresholds on the best unit's score, for one embedding model."""

    no_evidence: float  # below: nothing answers the question
    answered: float  # below (and above no_evidence): a weak, partial answer
    relative: float  # further units must score at least this share of the best


CALIBRATIONS: dict[str, Calibration] = {
    "all-MiniLM-L6-v2": Calibration(no_evidence=0.40, answered=0.50, relative=0.65),
}
DEFAULT_CALIBRATION = Calibration(no_evidence=0.40, answered=0.50, relative=0.65)
# Units whose vectors were pooled from their chunk's run (RLA_UNIT_VECTORS=pooled, ADR 0024) score
# on their own scale; a model without an entry here uses its encoded calibration. Fitted on the
# tune split like the above: the same no_evidence and answered (0.36-0.44 and 0.46-0.56 swept), and
# a higher relative, since units that share a chunk's context score closer to the best one.
POOLED_CALIBRATIONS: dict[str, Calibration] = {
    "all-MiniLM-L6-v2": Calibration(no_evidence=0.40, answered=0.50, relative=0.68),
}


def calibration_for(
    model: str,
    *,
    unit_vectors: str = "",
    no_evidence: float | None = None,
    answered: float | None = None,
    relative: float | None = None,
) -> Calibration:
    """The calibration of the model and of the build's kind of unit vectors ("" or "encoded",
    "pooled"), with any threshold the settings give instead."""
    name = model.rsplit("/", 1)[-1]
    base = CALIBRATIONS.get(name, DEFAULT_CALIBRATION)
    if unit_vectors == "pooled":
        base = POOLED_CALIBRATIONS.get(name, base)
    return Calibration(
        no_evidence=base.no_evidence if no_evidence is None else no_evidence,
        answered=base.answered if answered is None else answered,
        relative=base.relative if relative is None else relative,
    )
