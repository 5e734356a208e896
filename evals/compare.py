"""Comparing two runs: per-metric deltas and a verdict against a thresholds file.

Thresholds (``evals/thresholds.json``) map a headline metric to its gate::

    {"gates": {"hit@5": {"max_drop": 0.05, "min": 0.8},
               "false_refusal": {"max_rise": 0.05, "max": 0.2}}}

``max_drop``/``min`` gate metrics where higher is better; ``max_rise``/``max`` those where lower is
better. A metric missing from the new run, while gated and present in the old one, is a regression.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import ConfigurationError
from evals.summary import LOWER_IS_BETTER

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent / "thresholds.json"
EPSILON = 1e-9


@dataclass(frozen=True)
class Delta:
    metric: str
    before: float | None
    after: float | None
    gated: bool
    regressed: bool
    reason: str = ""
    below_floor: bool = False  # outside its floor (ceiling) now and already in the baseline

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class Comparison:
    deltas: tuple[Delta, ...]

    @property
    def regressions(self) -> list[Delta]:
        return [d for d in self.deltas if d.regressed]

    @property
    def below_floor(self) -> list[Delta]:
        return [d for d in self.deltas if d.below_floor and not d.regressed]

    @property
    def passed(self) -> bool:
        return not self.regressions


def resolve_run(name_or_path: Path, results: Path) -> Path:
    """A run directory or summary file as given, else the run of that name under ``results``."""
    if name_or_path.exists():
        return name_or_path
    candidate = results / name_or_path
    if candidate.exists():
        return candidate
    known = (
        ", ".join(sorted(p.name for p in results.iterdir() if p.is_dir()))
        if results.is_dir()
        else ""
    )
    raise ConfigurationError(f"no run {str(name_or_path)!r} (runs in {results}: {known or 'none'})")


def load_summary(path: Path) -> dict[str, Any]:
    """A run directory (its summary.json) or a summary.json file."""
    file = path / "summary.json" if path.is_dir() else path
    try:
        return dict(json.loads(file.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read run summary {file}: {exc}") from exc


def load_records(path: Path) -> list[dict[str, Any]]:
    """A run directory's records.jsonl (or the file itself) as JSON rows."""
    file = path / "records.jsonl" if path.is_dir() else path
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
        return [dict(json.loads(line)) for line in lines if line.strip()]
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read run records {file}: {exc}") from exc


def headline_from_records(
    rows: Sequence[Mapping[str, Any]], ids: Collection[str] | None = None
) -> dict[str, Any]:
    """A summary with the per-record metric means over ``ids`` (all rows when None).

    Lets a fast subset run be compared with the same questions of a full baseline run.
    """
    chosen = [r for r in rows if ids is None or r["id"] in ids]
    values: dict[str, list[float]] = {}
    for row in chosen:
        for name, result in row["metrics"].items():
            if name != "equity" and result["value"] is not None:
                values.setdefault(name, []).append(float(result["value"]))
    headline: dict[str, float | None] = {
        name: round(sum(v) / len(v), 4) for name, v in values.items()
    }
    errors = sum(r["status"] == "error" for r in chosen)
    headline["error_rate"] = round(errors / len(chosen), 4) if chosen else None
    return {"questions": len(chosen), "headline": headline}


def _dataset_sha(path: Path) -> str:
    config = path / "config.json"
    if not path.is_dir() or not config.is_file():
        return ""
    try:
        return str(json.loads(config.read_text(encoding="utf-8"))["dataset"]["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def load_pair(before: Path, after: Path) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Two summaries to compare, and notes. When the new run holds a subset of the old run's
    questions (``--limit``), both are re-aggregated from records over the shared questions."""
    old, new, notes = load_summary(before), load_summary(after), []
    sha_old, sha_new = _dataset_sha(before), _dataset_sha(after)
    if sha_old and sha_new and sha_old != sha_new:
        notes.append("warning: the runs used different datasets; deltas may not mean much")
    if old.get("questions") != new.get("questions") and before.is_dir() and after.is_dir():
        rows_new = load_records(after)
        ids = {r["id"] for r in rows_new}
        rows_old = load_records(before)
        if ids and ids <= {r["id"] for r in rows_old}:
            old = headline_from_records(rows_old, ids)
            new = headline_from_records(rows_new)
            notes.append(f"compared on the {len(ids)} questions both runs share")
    return old, new, notes


def load_thresholds(path: Path | None = None) -> dict[str, dict[str, float]]:
    file = path or DEFAULT_THRESHOLDS
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read thresholds {file}: {exc}") from exc
    return {str(k): dict(v) for k, v in data.get("gates", {}).items()}


@dataclass(frozen=True)
class _Verdict:
    reason: str = ""
    regressed: bool = False
    below_floor: bool = False


def _outside(after: float, gate: Mapping[str, float], lower: bool) -> str:
    """Why ``after`` is outside the gate's floor (ceiling, for lower-is-better), or ""."""
    if lower and "max" in gate and after > gate["max"] + EPSILON:
        return f"above the ceiling {gate['max']:.4g}"
    if not lower and "min" in gate and after < gate["min"] - EPSILON:
        return f"below the floor {gate['min']:.4g}"
    return ""


def _moved(before: float | None, after: float, gate: Mapping[str, float], lower: bool) -> str:
    """Why the change from ``before`` is larger than the gate allows, or ""."""
    if before is None:
        return ""
    if lower and "max_rise" in gate and after - before > gate["max_rise"] + EPSILON:
        return f"rose {after - before:+.4g} (allowed +{gate['max_rise']:.4g})"
    if not lower and "max_drop" in gate and before - after > gate["max_drop"] + EPSILON:
        return f"dropped {after - before:+.4g} (allowed -{gate['max_drop']:.4g})"
    return ""


def _gate(
    metric: str, before: float | None, after: float | None, gate: Mapping[str, float]
) -> _Verdict:
    """A regression is a change the gate does not allow, or crossing the floor (ceiling). A metric
    that was already outside its floor in the baseline and did not move further than allowed is
    *below the floor*, not regressed: the run did not make it worse."""
    if after is None:
        return _Verdict("missing from the new run", True) if before is not None else _Verdict()
    lower = metric in LOWER_IS_BETTER or "max_rise" in gate or "max" in gate
    outside, moved = _outside(after, gate, lower), _moved(before, after, gate, lower)
    was_outside = before is not None and bool(_outside(before, gate, lower))
    if moved:
        return _Verdict(f"{moved}; {after:.4g} {outside}" if outside else moved, True)
    if outside and was_outside:
        return _Verdict(f"{after:.4g} {outside}, as in the baseline ({before:.4g})", False, True)
    if outside:
        return _Verdict(f"{after:.4g} {outside}", True)
    return _Verdict()


def compare(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    thresholds: Mapping[str, Mapping[str, float]],
) -> Comparison:
    old, new = before.get("headline", {}), after.get("headline", {})
    names = list(dict.fromkeys([*old, *new]))
    deltas = []
    for name in names:
        gate = thresholds.get(name)
        v = _gate(name, old.get(name), new.get(name), gate) if gate is not None else _Verdict()
        deltas.append(
            Delta(
                name,
                old.get(name),
                new.get(name),
                gate is not None,
                v.regressed,
                v.reason,
                v.below_floor,
            )
        )
    return Comparison(tuple(deltas))


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def format_table(result: Comparison) -> str:
    rows = [("metric", "before", "after", "delta", "gate")]
    for d in result.deltas:
        change = "—" if d.change is None else f"{d.change:+.4g}"
        verdict = ("FAIL: " + d.reason) if d.regressed else ("ok" if d.gated else "")
        if d.below_floor and not d.regressed:
            verdict = "below the floor: " + d.reason
        rows.append((d.metric, _fmt(d.before), _fmt(d.after), change, verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
        for r in rows
    ]
    lines.insert(1, "-" * (sum(widths) + 10))
    verdict = (
        "PASS" if result.passed else f"FAIL: {len(result.regressions)} gated metric(s) regressed"
    )
    if result.below_floor:
        names = ", ".join(d.metric for d in result.below_floor)
        verdict += f" ({len(result.below_floor)} below the floor, as in the baseline: {names})"
    return "\n".join([*lines, "", verdict])
