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
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

import codesign_prevalence_model.forest as forest
import quality  # beside this script: the script's folder is the first entry of sys.path
from codesign_prevalence.config import load_config
from codesign_prevalence.features.candidates import SCORED_POPULATIONS


def judge(folders: list[Path], random_states: list[int], overrides: list[str]) -> tuple[float, int, int]:
    """Print each line; return the average of the line means, the rule-missed attacks found and their total."""
    config = load_config(None, overrides)
    means: list[float] = []
    found = total = 0
    for folder in folders:
        values: dict[str, list[float]] = {name: [] for name in SCORED_POPULATIONS}
        missed_found = missed_total = no_reason = 0
        for workdir in sorted(path for path in folder.iterdir() if path.is_dir()):
            if not quality._prepared_files(workdir):
                continue
            prepared = quality.load_prepared(quality.FleetSpec(0, 0), workdir, 0.0)
            trials, _ = quality.evaluate_fleet(prepared, config, random_states)
            for trial in trials:
                for name in SCORED_POPULATIONS:
                    values[name].append(trial.ap.get(name, float("nan")))
                missed_found += trial.missed_found
                missed_total += trial.missed_total
                no_reason += sum(trial.alerts_without_reason.values())
        for name, line in values.items():
            mean, low = quality._stats(line)  # over the pairs with an AP (a population without attacks has none)
            if not np.isnan(mean):
                means.append(mean)
                pairs = int(np.isfinite(line).sum())
                print(f"{folder.name} {name}: {mean:.5f} / {low:.3f} ({pairs} fleet x state)")
        print(f"{folder.name}: rule-missed in the hunt top {quality.HUNT_TOP} {missed_found} of {missed_total}; "
              f"alerted binaries without a reason {no_reason}")
        found, total = found + missed_found, total + missed_total
    average = float(np.mean(means)) if means else float("nan")
    print(f"average of {len(means)} line means: {average:.5f}; rule-missed found {found} of {total}")
    return average, found, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keep", nargs="+", required=True, metavar="DIR", help="folders kept by quality.py --keep")
    parser.add_argument("--random-states", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a configuration override")
    args = parser.parse_args(argv)
    folders = [Path(folder) for folder in args.keep]
    missing = [str(folder) for folder in folders if not folder.is_dir()]
    if missing:
        parser.error(f"not a folder kept by quality.py --keep: {', '.join(missing)}")
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    print(f"code: {Path(forest.__file__).parent.parent}", flush=True)
    judge(folders, args.random_states, list(args.set))
    return 0


if __name__ == "__main__":
    sys.exit(main())
