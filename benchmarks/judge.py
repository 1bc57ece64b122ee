"""A model change's judgement figure: the average of the line means over fleets kept by ``quality.py --keep``.

A judgement compares two arms on the same prepared fleets (the candidates and labels that ``quality.py --keep DIR``
saved per fleet): each arm runs this script with its own code (``PYTHONPATH=<arm's checkout>/src``) or its own
configuration (``--set``), and the arm with the higher average of the line means (one line per kept folder and
scored population: ``rule``, ``hunt``) and at least as many rule-missed attacks in the hunt top 20 wins. No Spark:
the fleets are read as kept. The rule of a judgement, the fleets it uses and the verdicts are in
``benchmarks/README.md`` (sessions 33 on).

Run (from the repository root, after the three ``quality.py --keep`` commands of the README's "Ranking quality"):

    .venv/bin/python benchmarks/judge.py --keep /tmp/jsim /tmp/jind /tmp/jblind --random-states 0 1 2 3 4
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python benchmarks/judge.py --keep ...   # the other arm

It prints one line per kept folder and population (mean / min over fleets x random states), the rule-missed
attacks found in the hunt top 20, the alerted binaries without a reason, and the average of the line means.

How much of a difference between two arms is the fleets' draw: each arm saves its figures per fleet with
``--save FILE``, and ``--compare BASE CANDIDATE`` prints the difference of the averages with a paired bootstrap
interval over the fleets (each kept folder's fleets drawn again with replacement, the same draw for both arms and
both populations; the line means and their average recomputed per draw):

    .venv/bin/python benchmarks/judge.py --keep ... --save /tmp/base.json
    .venv/bin/python benchmarks/judge.py --keep ... --set model.x=y --save /tmp/candidate.json
    .venv/bin/python benchmarks/judge.py --compare /tmp/base.json /tmp/candidate.json

``--carriers FACT ...`` (with ``--keep``) counts, instead of judging, the attacks and the benign binaries of each
kept folder's populations that carry each fact: what decides a fact on fresh fleets is how often benign binaries
carry it, which a probe's AP on one seen set does not show (session 44).

``--compare`` also names the lines whose minimum meets issue 13's AP bar (``rule`` 0.95, ``hunt`` 0.92) in one arm
and not in the other: the average of the means can rise while a line stops meeting the bar (session 39).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

import codesign_prevalence_model.forest as forest
import quality  # beside this script: the script's folder is the first entry of sys.path
from codesign_prevalence.config import load_config
from codesign_prevalence.features.candidates import SCORED_POPULATIONS
from codesign_prevalence.models.features import feature_params
from codesign_prevalence_model.features import FEATURE_FUNCTIONS, suspicion_features

# A folder's figures per fleet, as --save writes them: {fleet: {population: [AP per random state]}}.
FleetFigures = dict[str, dict[str, list[float]]]


def kept_fleets(folder: Path) -> Iterator[tuple[str, quality.Prepared]]:
    """The fleets ``quality.py --keep`` prepared under ``folder``, by name (its sub-folders with both files)."""
    for workdir in sorted(path for path in folder.iterdir() if path.is_dir()):
        if quality._prepared_files(workdir):
            yield workdir.name, quality.load_prepared(quality.FleetSpec(0, 0), workdir, 0.0)


def judge(
    folders: list[Path], random_states: list[int], overrides: list[str]
) -> tuple[float, int, int, dict[str, FleetFigures]]:
    """Print each line; return the average of the line means, the rule-missed attacks found, their total, and
    each folder's figures per fleet."""
    config = load_config(None, overrides)
    lines = 0
    found = total = 0
    per_fleet: dict[str, FleetFigures] = {}
    for folder in folders:
        missed_found = missed_total = no_reason = 0
        figures = per_fleet.setdefault(folder.name, {})
        for fleet_name, prepared in kept_fleets(folder):
            trials, _ = quality.evaluate_fleet(prepared, config, random_states)
            fleet = figures.setdefault(fleet_name, {name: [] for name in SCORED_POPULATIONS})
            for trial in trials:
                for name in SCORED_POPULATIONS:
                    fleet[name].append(trial.ap.get(name, float("nan")))
                missed_found += trial.missed_found
                missed_total += trial.missed_total
                no_reason += sum(trial.alerts_without_reason.values())
        for name in SCORED_POPULATIONS:
            line = _line(figures, name)
            mean, low = quality._stats(line)  # over the pairs with an AP (a population without attacks has none)
            if not np.isnan(mean):
                lines += 1
                pairs = int(np.isfinite(line).sum())
                print(f"{folder.name} {name}: {mean:.5f} / {low:.3f} ({pairs} fleet x state)")
        print(f"{folder.name}: rule-missed in the hunt top {quality.HUNT_TOP} {missed_found} of {missed_total}; "
              f"alerted binaries without a reason {no_reason}")
        found, total = found + missed_found, total + missed_total
    average = average_of_line_means(per_fleet)  # one definition for the verdict and for --compare
    print(f"average of {lines} line means: {average:.5f}; rule-missed found {found} of {total}")
    return average, found, total, per_fleet


# A fact's carriers per kept folder and population: (attacks carrying it, attacks, benign carrying it, benign).
Carriers = dict[tuple[str, str, str], tuple[int, int, int, int]]


def carriers(folders: list[Path], facts: list[str], overrides: list[str]) -> Carriers:
    """How many attacks and how many benign binaries of each kept folder's scored populations carry each fact (its
    suspicion value, gated and discounted as the model reads it, above 0), over the folder's fleets. A probe on seen
    fleets shows what a fact does to their ranking; how often the fact falls on benign binaries is what decides it
    on fresh ones (session 44: 12 benign carriers on the seen blind2 fleets, 22 on the fresh ones)."""
    config = load_config(None, overrides)
    params = feature_params(config.model)
    unknown = [fact for fact in facts if fact not in FEATURE_FUNCTIONS]
    if unknown:
        raise ValueError(f"not a model feature: {', '.join(unknown)}")
    counts: dict[tuple[str, str, str], list[int]] = {}
    for folder in folders:
        for _, prepared in kept_fleets(folder):
            for name in SCORED_POPULATIONS:
                rows = prepared.candidates[prepared.candidates["population"] == name].reset_index(drop=True)
                attack = rows["sha256"].isin(prepared.malicious).to_numpy()
                values = suspicion_features(rows, facts, params)
                for fact in facts:
                    carried = values[fact].to_numpy() > 0.0
                    tally = counts.setdefault((folder.name, name, fact), [0, 0, 0, 0])
                    tally[0] += int((carried & attack).sum())
                    tally[1] += int(attack.sum())
                    tally[2] += int((carried & ~attack).sum())
                    tally[3] += int((~attack).sum())
    return {key: (tally[0], tally[1], tally[2], tally[3]) for key, tally in counts.items()}


def _line(fleets: FleetFigures, name: str, chosen: list[str] | None = None) -> list[float]:
    """A line's APs (one population of one kept folder): every random state of each fleet of ``chosen`` (default:
    every fleet once), NaN where the fleet has no attack in the population."""
    return [ap for fleet in (chosen if chosen is not None else list(fleets)) for ap in fleets[fleet][name]]


def average_of_line_means(figures: dict[str, FleetFigures], draws: dict[str, list[str]] | None = None) -> float:
    """The average over lines (folder x population) of the mean AP over a line's fleet x state pairs that have
    one, the fleets of each folder taken as ``draws`` lists them (default: each once), as :func:`judge` prints it."""
    means = []
    for folder, fleets in figures.items():
        for name in SCORED_POPULATIONS:
            mean, _ = quality._stats(_line(fleets, name, draws[folder] if draws is not None else None))
            if not np.isnan(mean):
                means.append(mean)
    return float(np.mean(means)) if means else float("nan")


def compare(base: dict[str, FleetFigures], candidate: dict[str, FleetFigures], draws: int = 2000) -> dict[str, float]:
    """The candidate's average of the line means minus the baseline's, and a paired bootstrap over fleets: its
    5th and 95th percentiles and the share of draws where the candidate is below the baseline."""
    if {folder: sorted(fleets) for folder, fleets in base.items()} != {
        folder: sorted(fleets) for folder, fleets in candidate.items()
    }:
        raise ValueError("the two arms were not judged on the same kept folders and fleets")
    rng = np.random.default_rng(0)
    differences = []
    for _ in range(draws):
        chosen = {folder: list(rng.choice(sorted(fleets), size=len(fleets))) for folder, fleets in base.items()}
        differences.append(average_of_line_means(candidate, chosen) - average_of_line_means(base, chosen))
    low, high = np.percentile(differences, [5, 95])
    return {
        "difference": average_of_line_means(candidate) - average_of_line_means(base),
        "p5": float(low),
        "p95": float(high),
        "share_below": float(np.mean(np.array(differences) < 0)),
    }


def line_minima(figures: dict[str, FleetFigures]) -> dict[tuple[str, str], float]:
    """Each line's (folder x population) minimum AP over its fleet x state pairs that have one."""
    minima = {}
    for folder, fleets in figures.items():
        for name in SCORED_POPULATIONS:
            _, low = quality._stats(_line(fleets, name))
            if not np.isnan(low):
                minima[(folder, name)] = low
    return minima


def bar_changes(base: dict[str, FleetFigures], candidate: dict[str, FleetFigures]) -> list[str]:
    """The lines whose minimum meets the AP bar of issue 13 (``quality.BARS``) in one arm and not in the other: a
    judgement of line means can hide a line that stops meeting it."""
    before, after = line_minima(base), line_minima(candidate)
    changes = []
    for line in sorted(before.keys() & after.keys()):
        bar = quality.BARS[line[1]]
        if (before[line] >= bar) != (after[line] >= bar):
            verdict = "now meets" if after[line] >= bar else "no longer meets"
            changes.append(f"{line[0]} {line[1]}: minimum {before[line]:.3f} -> {after[line]:.3f}, {verdict} {bar}")
    return changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--keep", nargs="+", metavar="DIR", help="folders kept by quality.py --keep")
    what.add_argument(
        "--compare", nargs=2, metavar=("BASE", "CANDIDATE"), help="two files written by --save: the difference"
    )
    parser.add_argument("--random-states", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a configuration override")
    parser.add_argument("--save", metavar="FILE", help="write the figures per fleet, for --compare")
    parser.add_argument(
        "--carriers",
        nargs="+",
        metavar="FACT",
        help="with --keep: count the attacks and benign binaries carrying each fact, instead of judging",
    )
    args = parser.parse_args(argv)
    if args.compare:
        try:
            arms = [json.loads(Path(path).read_text(encoding="utf-8"))["folders"] for path in args.compare]
            result = compare(*arms)
        except (OSError, ValueError, KeyError, TypeError) as error:
            parser.error(f"cannot compare {' and '.join(args.compare)}: {error}")
        print(
            f"candidate - baseline, average of the line means: {result['difference']:+.5f}; paired bootstrap over "
            f"the fleets: 90 % in [{result['p5']:+.5f}, {result['p95']:+.5f}], below 0 in "
            f"{result['share_below']:.0%} of the draws"
        )
        changes = bar_changes(*arms)
        print("AP bar met by a line's minimum in one arm only: " + ("; ".join(changes) if changes else "none"))
        return 0
    folders = [Path(folder) for folder in args.keep]
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        parser.error(f"not a folder kept by quality.py --keep: {', '.join(missing)}")
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    print(f"code: {Path(forest.__file__).parent.parent}", flush=True)
    if args.carriers:
        try:
            counted = carriers(folders, list(args.carriers), list(args.set))
        except ValueError as error:
            parser.error(str(error))
        for (folder, name, fact), (attacks, all_attacks, benign, all_benign) in counted.items():
            print(f"{folder} {name} {fact}: attacks {attacks} of {all_attacks}, benign {benign} of {all_benign}")
        return 0
    average, found, total, per_fleet = judge(folders, args.random_states, list(args.set))
    if args.save:
        saved = {"code": str(Path(forest.__file__).parent.parent), "overrides": list(args.set),
                 "random_states": args.random_states, "average": average, "rule_missed_found": [found, total],
                 "folders": per_fleet}
        Path(args.save).write_text(json.dumps(saved, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
