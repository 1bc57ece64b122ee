"""benchmarks/judge.py's comparison of two arms: the difference of the line means' averages and its paired
bootstrap over the kept fleets (no Spark, no model: figures as ``--save`` writes them)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from fleet_files import BENCHMARKS, load_generator
from test_model_support import candidate


@pytest.fixture(scope="module")
def judge() -> ModuleType:
    sys.path.insert(0, str(BENCHMARKS))  # judge.py imports quality.py from beside itself
    try:
        return load_generator("judge.py")
    finally:
        sys.path.remove(str(BENCHMARKS))


def _figures(rule: list[float], hunt: list[float]) -> dict[str, dict[str, dict[str, list[float]]]]:
    """One kept folder, a fleet per value, two random states each (the same AP)."""
    fleets = {f"seed{i}": {"rule": [r, r], "hunt": [h, h]} for i, (r, h) in enumerate(zip(rule, hunt, strict=True))}
    return {"sim": fleets}


def test_the_average_counts_each_line_once_and_skips_a_fleet_without_attacks(judge: ModuleType) -> None:
    figures = _figures([1.0, 0.5, float("nan")], [0.2, 0.4, 0.6])
    assert judge.average_of_line_means(figures) == pytest.approx((0.75 + 0.4) / 2)
    assert judge.average_of_line_means(figures, {"sim": ["seed0", "seed0", "seed2"]}) == pytest.approx(
        (1.0 + (0.2 + 0.2 + 0.6) / 3) / 2
    )


def test_a_candidate_better_on_every_fleet_is_above_in_every_draw(judge: ModuleType) -> None:
    base = _figures([0.5, 0.7, 0.9, 0.6], [0.3, 0.5, 0.4, 0.8])
    better = _figures([0.6, 0.8, 1.0, 0.7], [0.35, 0.55, 0.45, 0.85])
    result = judge.compare(base, better, draws=200)
    assert result["difference"] == pytest.approx(0.075)
    assert result["share_below"] == 0.0
    assert 0.05 <= result["p5"] <= result["difference"] <= result["p95"] <= 0.1
    same = judge.compare(base, base, draws=50)
    assert (same["difference"], same["p5"], same["p95"], same["share_below"]) == (0.0, 0.0, 0.0, 0.0)


def test_one_fleet_that_moves_the_average_leaves_a_wide_interval(judge: ModuleType) -> None:
    base = _figures([0.5] * 8, [0.5] * 8)
    one_fleet = _figures([0.5] * 7 + [0.9], [0.5] * 8)
    result = judge.compare(base, one_fleet, draws=500)
    assert result["difference"] == pytest.approx(0.4 / 8 / 2)
    assert result["p5"] == 0.0 < result["p95"]  # a draw without that fleet shows no difference


def test_arms_of_other_fleets_are_refused(
    judge: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ValueError, match="same kept folders and fleets"):
        judge.compare(_figures([0.5, 0.6], [0.5, 0.6]), _figures([0.5], [0.5]))
    for name, figures in (("a.json", _figures([0.5, 0.6], [0.5, 0.6])), ("b.json", _figures([0.7, 0.6], [0.5, 0.6]))):
        (tmp_path / name).write_text(json.dumps({"folders": figures}), encoding="utf-8")
    assert judge.main(["--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 0
    assert "candidate - baseline, average of the line means: +0.05000" in capsys.readouterr().out.splitlines()[0]
    (tmp_path / "c.json").write_text("{}", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        judge.main(["--compare", str(tmp_path / "a.json"), str(tmp_path / "c.json")])
    assert exit_info.value.code == 2
    assert "cannot compare" in capsys.readouterr().err


def test_a_line_that_stops_meeting_the_bar_is_named(
    judge: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The average rises while the ``rule`` line's minimum falls below 0.95: ``--compare`` names that line, and
    the ``hunt`` line that reaches 0.92."""
    base = _figures([1.0, 1.0, 1.0], [0.90, 0.95, 0.95])
    candidate = _figures([0.94, 1.0, 1.0], [0.93, 1.0, 1.0])
    assert judge.average_of_line_means(candidate) > judge.average_of_line_means(base)
    assert judge.line_minima(candidate) == {("sim", "rule"): 0.94, ("sim", "hunt"): 0.93}
    assert judge.bar_changes(base, candidate) == [
        "sim hunt: minimum 0.900 -> 0.930, now meets 0.92",
        "sim rule: minimum 1.000 -> 0.940, no longer meets 0.95",
    ]
    assert judge.bar_changes(base, base) == []
    for name, figures in (("a.json", base), ("b.json", candidate)):
        (tmp_path / name).write_text(json.dumps({"folders": figures}), encoding="utf-8")
    assert judge.main(["--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json")]) == 0
    assert "sim rule: minimum 1.000 -> 0.940, no longer meets 0.95" in capsys.readouterr().out


def test_carriers_counts_the_attacks_and_benign_binaries_a_fact_falls_on(
    judge: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two kept fleets: an expired certificate under NVIDIA's name on a rare attack and on a rare benign installer,
    a lapsed long-tail vendor's on a rare benign tool, and NVIDIA's on a benign binary half the fleet runs (the
    rarity gate closes); the counts add up over the fleets, per population."""
    lapsed = {"hash_host_count": 1, "status_category": "expired", "fleet_history_days": 14}
    fleets = {
        "seed1": [("a" * 64, "nvidia corporation", lapsed, "malicious"), ("b" * 64, "nvidia corporation", lapsed,
                  "benign"), ("c" * 64, "rilum systems llc", lapsed, "benign")],
        "seed2": [("d" * 64, "nvidia corporation", {**lapsed, "hash_host_count": 200}, "benign"),
                  ("e" * 64, "nvidia corporation", lapsed, "malicious")],
    }
    kept = tmp_path / "kept"
    for fleet, rows in fleets.items():
        workdir = kept / fleet
        workdir.mkdir(parents=True)
        frame = pd.DataFrame.from_records(
            [candidate(sha, population="hunt", signer=signer, **values) for sha, signer, values, _ in rows]
        )
        frame.to_parquet(workdir / "candidates.parquet")
        labels = "sha256,label\n" + "".join(f"{sha},{label}\n" for sha, _, _, label in rows)
        (workdir / "labels.csv").write_text(labels, encoding="utf-8")
    counted = judge.carriers([kept], ["publisher_lapsed", "hash_rarity"], [])
    assert counted[("kept", "hunt", "publisher_lapsed")] == (2, 2, 1, 3)
    assert counted[("kept", "hunt", "hash_rarity")] == (2, 2, 2, 3)
    assert counted[("kept", "rule", "publisher_lapsed")] == (0, 0, 0, 0)  # no rule population in these fleets
    assert judge.main(["--keep", str(kept), "--carriers", "publisher_lapsed"]) == 0
    assert "kept hunt publisher_lapsed: attacks 2 of 2, benign 1 of 3" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        judge.main(["--keep", str(kept), "--carriers", "no_such_fact"])
    assert exit_info.value.code == 2
    assert "not a model feature: no_such_fact" in capsys.readouterr().err
