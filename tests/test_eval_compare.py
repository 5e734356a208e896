"""`rla eval compare`: deltas, gates and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from evals import compare as cmp

GATES = {
    "hit@5": {"max_drop": 0.05, "min": 0.8},
    "false_refusal": {"max_rise": 0.05},
    "error_rate": {"max": 0.0},
}


def _run(tmp: Path, name: str, **headline: float | None) -> Path:
    folder = tmp / name
    folder.mkdir()
    (folder / "summary.json").write_text(json.dumps({"headline": headline}), encoding="utf-8")
    return folder


@pytest.fixture()
def thresholds(tmp_path: Path) -> Path:
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps({"gates": GATES}), encoding="utf-8")
    return path


def test_small_changes_within_thresholds_pass() -> None:
    result = cmp.compare(
        {"headline": {"hit@5": 0.9, "mrr": 0.8, "false_refusal": 0.1}},
        {"headline": {"hit@5": 0.86, "mrr": 0.2, "false_refusal": 0.12}},
        GATES,
    )
    assert result.passed
    assert [d.metric for d in result.deltas if d.gated] == ["hit@5", "false_refusal"]


@pytest.mark.parametrize(
    ("before", "after", "why"),
    [
        ({"hit@5": 0.95}, {"hit@5": 0.85}, "dropped"),
        ({"hit@5": 0.82}, {"hit@5": 0.79}, "below the floor"),
        ({"false_refusal": 0.0}, {"false_refusal": 0.1}, "rose"),
        ({"error_rate": 0.0}, {"error_rate": 0.05}, "above the ceiling"),
        ({"hit@5": 0.9}, {}, "missing"),
    ],
)
def test_regressions_fail(before: dict, after: dict, why: str) -> None:
    result = cmp.compare({"headline": before}, {"headline": after}, GATES)
    assert not result.passed and why in result.regressions[0].reason


def test_table_lists_every_metric_and_the_verdict() -> None:
    result = cmp.compare(
        {"headline": {"hit@5": 0.95, "mrr": 0.5}}, {"headline": {"hit@5": 0.5, "mrr": 0.6}}, GATES
    )
    table = cmp.format_table(result)
    assert "mrr" in table and "+0.1" in table and "FAIL: 1 gated metric" in table


def test_cli_exit_codes(
    tmp_path: Path, thresholds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _run(tmp_path, "a", **{"hit@5": 0.9, "false_refusal": 0.0})
    same = _run(tmp_path, "same", **{"hit@5": 0.9, "false_refusal": 0.0})
    worse = _run(tmp_path, "worse", **{"hit@5": 0.7, "false_refusal": 0.0})
    assert main(["eval", "compare", str(a), str(same), "--thresholds", str(thresholds)]) == 0
    assert "PASS" in capsys.readouterr().out
    assert main(["eval", "compare", str(a), str(worse), "--thresholds", str(thresholds)]) == 1
    assert "FAIL" in capsys.readouterr().out
    assert main(["eval", "compare", str(a), str(tmp_path / "nope")]) == 2  # ConfigurationError


def test_shipped_thresholds_file_is_valid() -> None:
    gates = cmp.load_thresholds()
    assert {"hit@5", "citation_validity", "quote_fidelity", "safety"} <= set(gates)
    for gate in gates.values():
        assert set(gate) <= {"max_drop", "min", "max_rise", "max"}


def test_headline_from_records_restricts_to_the_given_questions() -> None:
    def row(qid: str, hit: float | None, status: str = "answered") -> dict:
        return {
            "id": qid,
            "status": status,
            "metrics": {"hit@5": {"value": hit}, "equity": {"value": 0.1}},
        }

    rows = [row("a", 1.0), row("b", 0.0), row("c", None, "error")]
    assert cmp.headline_from_records(rows)["headline"] == {"hit@5": 0.5, "error_rate": 0.3333}
    subset = cmp.headline_from_records(rows, {"a", "c"})
    assert subset == {"questions": 2, "headline": {"hit@5": 1.0, "error_rate": 0.5}}


def test_a_limited_run_is_compared_on_the_shared_questions(tmp_path: Path) -> None:
    def run_dir(name: str, hits: dict[str, float]) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        rows = [
            {"id": q, "status": "answered", "metrics": {"hit@5": {"value": v}}}
            for q, v in hits.items()
        ]
        (folder / "records.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
        mean = sum(hits.values()) / len(hits)
        (folder / "summary.json").write_text(
            json.dumps({"questions": len(hits), "headline": {"hit@5": mean}})
        )
        return folder

    full = run_dir("full", {"a": 1.0, "b": 0.0, "c": 0.0})
    part = run_dir("part", {"a": 1.0})
    old, new, notes = cmp.load_pair(full, part)
    assert old["headline"]["hit@5"] == new["headline"]["hit@5"] == 1.0
    assert "1 questions both runs share" in notes[0]


@pytest.mark.parametrize(
    ("before", "after", "regressed"),
    [
        ({"hit@5": 0.7}, {"hit@5": 0.72}, False),  # already below the floor: not a regression
        ({"hit@5": 0.7}, {"hit@5": 0.7}, False),
        ({"hit@5": 0.79}, {"hit@5": 0.7}, True),  # below, and dropped more than allowed
        ({"error_rate": 0.1}, {"error_rate": 0.1}, False),  # already above the ceiling
    ],
)
def test_a_metric_already_below_its_floor_is_reported_as_below_the_floor(
    before: dict, after: dict, regressed: bool
) -> None:
    result = cmp.compare({"headline": before}, {"headline": after}, GATES)
    delta = result.deltas[0]
    assert delta.regressed is regressed and result.passed is not regressed
    table = cmp.format_table(result)
    if regressed:
        assert "dropped" in delta.reason and "regressed" in table
    else:
        assert delta.below_floor and "as in the baseline" in delta.reason
        assert "regressed" not in table
        assert ("below the floor" in table) or ("above the ceiling" in table)
        assert "1 below the floor, as in the baseline" in table


def test_cli_compares_runs_by_name(
    tmp_path: Path,
    thresholds: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from evals import commands_eval

    _run(tmp_path, "baseline", **{"hit@5": 0.7})
    _run(tmp_path, "my-run", **{"hit@5": 0.72})
    monkeypatch.setattr(commands_eval, "RESULTS", tmp_path)
    monkeypatch.chdir(tmp_path.parent)  # the names are not paths from here
    args = ["eval", "compare", "baseline", "my-run", "--thresholds", str(thresholds)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "below the floor: 0.72 below the floor 0.8, as in the baseline (0.7)" in out
    assert main(["eval", "compare", "baseline", "missing-run"]) == 2
    assert "no run 'missing-run'" in capsys.readouterr().err
