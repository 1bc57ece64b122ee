"""Ranking quality over many fleets and random states: the yardstick of the model (issue 13).

Two steps per fleet, the first one cached:

1. **prepare** (Spark, once per fleet): ``generate`` -> ``ingest`` -> ``features`` in the fleet's own
   storage root, then the newest as-of date of gold/candidates (all populations) is saved as
   ``candidates.parquet`` beside the fleet's ``labels.csv``. With ``--keep DIR`` a fleet prepared before is
   not prepared again (generation, ingest and features are deterministic per fleet).
2. **evaluate** (no Spark): for each ``random_state``, the model is fitted exactly as ``train`` fits it
   (``models.training.fit_model`` on the configured training population, every row of it when it holds
   fewer than ``model.max_training_rows``, in a fixed order), and both scored populations are scored and
   explained as ``score`` does (the pyfunc's ``explain``). Metrics come from scikit-learn
   (``average_precision_score``: ties are one threshold, as in ``evaluate``).

Per population it reports the model's mean and minimum average precision over fleets x random states, the
spread over random states (max - min within a fleet), and the same for the baselines, which do not depend
on the random state:

- ``seed_rule``: the seed rule's flat list (1 for a match, 0 otherwise);
- ``single_host``: 1 for a binary seen on one host;
- ``host_count_ascending``: fewer hosts first;
- ``additive``: the plain sum of the model's suspicion features (``codesign_prevalence_model.features.additive_score``).

With three fleets or more it also reports a **supervised reference**: a gradient-boosted classifier trained,
for each fleet, on the labels of all the *other* fleets (leave one fleet out), on the same suspicion features
the forest reads. No unsupervised model is expected to beat it: it says how far the model's inputs can take
any ranker on these fleets, so that a bar above it is a statement about the features (or the simulator), not
about the forest.

And the bar: ``rule`` AP >= 0.95 and ``hunt`` AP >= 0.92 at the minimum, both above every baseline and at
least the additive score's (mean and minimum), every attack binary the seed rule misses by design in the
hunt top 20, and no alerted binary without a reason: none of the top ``model.alert_top_n`` of a population
that has a suspicious fact (some feature above 0) may have an empty reasons list (``score`` alerts only
binaries with a reason, so such a binary would silently drop out of the alerts).

``--format`` generates the fleets in another format (as ``generate --format``: Defender carries the
certificate's issuer and validity, which the certificate features read) and ``--codeintegrity`` adds the
simulator's Code Integrity events to the ingested inputs (``generate --codeintegrity``); each combination is
kept in its own folder.

Run (from the repository root; the seeds used for tuning are named in benchmarks/README.md):

    .venv/bin/python benchmarks/quality.py --fleets 101 102 103 104 105 106 107 108 \\
        --small-fleets 201:15 202:30 203:50 --random-states 0 1 2 3 4 --keep /tmp/quality
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score

from codesign_prevalence.config import Config, ModelConfig, load_config
from codesign_prevalence.features.candidates import POPULATION_HUNT, POPULATION_RULE, SCORED_POPULATIONS
from codesign_prevalence.models.features import feature_params
from codesign_prevalence.models.training import fit_model, training_frame
from codesign_prevalence_model.features import additive_score, suspicion_features
from codesign_prevalence_model.forest import REASONS_COLUMN, SCORE_COLUMN

RULE_AP_BAR, HUNT_AP_BAR, HUNT_TOP = 0.95, 0.92, 20
BARS = {POPULATION_RULE: RULE_AP_BAR, POPULATION_HUNT: HUNT_AP_BAR}
# Two means closer than this are equal (the same average precisions summed in another order).
TIE = 1e-9
BASELINES = ("seed_rule", "single_host", "host_count_ascending", "additive")
CANDIDATES_FILE = "candidates.parquet"
LABELS_FILE = "labels.csv"
DEFAULT_DAYS = 14


@dataclass(frozen=True)
class FleetSpec:
    seed: int
    hosts: int
    days: int = DEFAULT_DAYS

    @property
    def name(self) -> str:
        return f"seed{self.seed}-{self.hosts}x{self.days}"

    @classmethod
    def parse(cls, text: str, hosts: int, days: int) -> FleetSpec:
        """``SEED`` or ``SEED:HOSTS`` or ``SEED:HOSTS:DAYS``."""
        parts = [int(part) for part in text.split(":")]
        return cls(parts[0], parts[1] if len(parts) > 1 else hosts, parts[2] if len(parts) > 2 else days)


@dataclass(frozen=True)
class Prepared:
    spec: FleetSpec
    candidates: pd.DataFrame
    malicious: frozenset[str]
    missed_by_rule: frozenset[str]
    seconds: float


@dataclass
class Trial:
    """One fleet, one random state: the model's figures per population."""

    spec: FleetSpec
    random_state: int
    ap: dict[str, float] = field(default_factory=dict)
    alerts_without_reason: dict[str, int] = field(default_factory=dict)
    missed_found: int = 0
    missed_total: int = 0
    # Rule-missed attacks ranked before the HUNT_TOP-th benign binary (an analyst's budget of false alarms):
    # what "in the top 20" means on a fleet with more attacks than a top 20 can hold.
    missed_before_benign: int = 0
    reference_rows: int = 0


# --- prepare (Spark) --------------------------------------------------------------------------------------


def _prepared_files(workdir: Path) -> bool:
    return (workdir / CANDIDATES_FILE).is_file() and (workdir / LABELS_FILE).is_file()


@dataclass(frozen=True)
class Inputs:
    """What the prepare step generates: the generator (the project's simulator, or one of the
    :data:`OUTSIDE_GENERATORS` beside this script), the events' format, and Code Integrity events or not."""

    format: str = "elastic"
    codeintegrity: bool = False
    generator: str = "simulator"

    @property
    def suffix(self) -> str:
        """The fleet folder's suffix (empty for plain Elastic Defend fleets, whose folders keep their names)."""
        return (
            ("" if self.generator == "simulator" else f"-{self.generator}")
            + ("" if self.format == "elastic" else f"-{self.format}")
            + ("-ci" if self.codeintegrity else "")
        )


# Generators written outside the project's simulator, each by an author who had not read it: ``independent``
# without the simulator's, the features' or the model's code (session 9); ``blind`` without those nor the
# independent generator, and never shown how the project ranks its fleets (session 33); ``blind2`` under the
# same rules, after five sessions had tuned the model on the first blind one (session 38). Each writes
# ``--format elastic`` or ``sysmon_ecs``, without Code Integrity events.
OUTSIDE_GENERATORS = {
    "independent": Path(__file__).with_name("independent_fleet.py"),
    "blind": Path(__file__).with_name("blind_fleet.py"),
    "blind2": Path(__file__).with_name("blind2_fleet.py"),
}


def generate(spec: FleetSpec, fleet: Path, inputs: Inputs) -> list[Path]:
    """Generate a fleet as ``generate [--codeintegrity] [--format F]`` does, or with an outside generator; the
    files to ingest."""
    if inputs.generator in OUTSIDE_GENERATORS:
        script = OUTSIDE_GENERATORS[inputs.generator]
        command = [sys.executable, str(script), "--out", str(fleet), "--hosts", str(spec.hosts)]
        command += ["--days", str(spec.days), "--seed", str(spec.seed), "--format", inputs.format]
        subprocess.run(command, check=True)
        return sorted(fleet.glob("*.ndjson.gz"))
    from codesign_prevalence.simulator import generate_fleet
    from codesign_prevalence.simulator.certificates import CERTIFICATES_FILE, load_registry
    from codesign_prevalence.simulator.codeintegrity import write_codeintegrity
    from codesign_prevalence.simulator.formats import rewrite_fleet

    summary = generate_fleet(fleet, hosts=spec.hosts, days=spec.days, seed=spec.seed)
    files = [summary.events_path]
    if inputs.codeintegrity:  # read from the Elastic Defend stream, before it is rewritten
        registry = load_registry(summary.events_path.with_name(CERTIFICATES_FILE))
        files.append(write_codeintegrity(summary.events_path, registry, spec.seed)[0])
    rewrite_fleet(summary.events_path, inputs.format)
    return files


PLAIN_INPUTS = Inputs()


def prepare(spec: FleetSpec, workdir: Path, overrides: Sequence[str], inputs: Inputs = PLAIN_INPUTS) -> float:
    """Generate, ingest and compute the features of one fleet; save its candidates and labels in ``workdir``."""
    from codesign_prevalence.jobs import features, ingest
    from codesign_prevalence.jobs.context import JobContext
    from codesign_prevalence.simulator.fleet import EVENTS_FILE
    from codesign_prevalence.storage import GOLD_CANDIDATES

    started = time.monotonic()
    lake, fleet = workdir / "lake", workdir / "fleet"
    shutil.rmtree(lake, ignore_errors=True)
    events, labels = fleet / EVENTS_FILE, fleet / LABELS_FILE
    if events.is_file() and labels.is_file():  # a fleet generated beforehand is used as it is
        files = [path for path in fleet.iterdir() if path.name.endswith(".ndjson.gz")]
    else:
        files = generate(spec, fleet, inputs)
    context = JobContext(config=load_config(None, [f"storage.root={lake}", *overrides]), verbosity=1)
    ingest.run(context, [str(path) for path in files])
    report = features.run(context, None)
    table = context.lakehouse.read(context.spark, GOLD_CANDIDATES)
    rows = table.where(table["as_of"] == report.as_of).toPandas()
    rows.to_parquet(workdir / CANDIDATES_FILE, index=False)
    shutil.copyfile(labels, workdir / LABELS_FILE)
    shutil.rmtree(workdir / "fleet", ignore_errors=True)  # the events are large; candidates + labels suffice
    shutil.rmtree(lake, ignore_errors=True)
    return time.monotonic() - started


def load_prepared(spec: FleetSpec, workdir: Path, seconds: float) -> Prepared:
    with open(workdir / LABELS_FILE, newline="", encoding="utf-8") as handle:
        labels = list(csv.DictReader(handle))
    malicious = frozenset(row["sha256"].lower() for row in labels if row["label"].lower() == "malicious")
    candidates = pd.read_parquet(workdir / CANDIDATES_FILE)
    candidates["sha256"] = candidates["sha256"].str.lower()
    if "fleet_history_days" not in candidates.columns:
        # Prepared before gold/candidates had it: the days since the window's first event are those of the
        # earliest binary among the candidates (the reference population holds the OS binaries of day one).
        candidates["fleet_history_days"] = candidates["hash_days_since_first_seen"].max()
    # Missed by the rule: malicious binaries the seed rule never matched (whatever generator made them).
    matched = set(candidates.loc[candidates["rule_match"].fillna(False).astype(bool), "sha256"])
    missed = frozenset(malicious - matched)
    return Prepared(spec, candidates, malicious, missed, seconds)


# --- evaluate (no Spark) ------------------------------------------------------------------------------------


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float:
    if labels.sum() == 0:
        return float("nan")
    return float(average_precision_score(labels, scores))


def supervised_reference(prepared: Sequence[Prepared], model: ModelConfig) -> dict[str, list[float]]:
    """AP per scored population and fleet of a classifier trained on the other fleets' labels (leave one out)."""
    params = feature_params(model)
    frames = []
    for fleet in prepared:
        rows = fleet.candidates[fleet.candidates["population"].isin(SCORED_POPULATIONS)].reset_index(drop=True)
        matrix = suspicion_features(rows, model.features, params)
        frames.append((rows["population"].to_numpy(), matrix, rows["sha256"].isin(fleet.malicious).to_numpy()))
    result: dict[str, list[float]] = {name: [] for name in SCORED_POPULATIONS}
    for held, (populations, matrix, labels) in enumerate(frames):
        others = [frame for index, frame in enumerate(frames) if index != held]
        train_labels = np.concatenate([frame[2] for frame in others])
        if train_labels.sum() == 0 or train_labels.all():
            continue
        classifier = HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05, max_iter=200, random_state=0)
        classifier.fit(pd.concat([frame[1] for frame in others]), train_labels)
        scores = classifier.predict_proba(matrix)[:, 1]
        for name in SCORED_POPULATIONS:
            chosen = populations == name
            if chosen.any():
                result[name].append(average_precision(labels[chosen].astype("int64"), scores[chosen]))
    return result


def baseline_scores(rows: pd.DataFrame, model: ModelConfig) -> dict[str, np.ndarray]:
    hosts = pd.to_numeric(rows["host_count"]).to_numpy(dtype="float64")
    matrix = suspicion_features(rows, model.features, feature_params(model))
    return {
        "seed_rule": rows["rule_match"].fillna(False).astype(bool).to_numpy(dtype="float64"),
        "single_host": (hosts == 1).astype("float64"),
        "host_count_ascending": -hosts,
        "additive": additive_score(matrix).to_numpy(dtype="float64"),
    }


def evaluate_fleet(
    prepared: Prepared, config: Config, random_states: Iterable[int]
) -> tuple[list[Trial], dict[str, dict[str, float]]]:
    """The model's trials (one per random state) and the baselines' AP per population."""
    candidates = prepared.candidates
    populations = {
        name: candidates[candidates["population"] == name].reset_index(drop=True) for name in SCORED_POPULATIONS
    }
    labels = {
        name: rows["sha256"].isin(prepared.malicious).to_numpy(dtype="int64") for name, rows in populations.items()
    }
    baselines = {
        name: {
            ranker: average_precision(labels[name], scores)
            for ranker, scores in baseline_scores(rows, config.model).items()
        }
        for name, rows in populations.items()
        if len(rows)
    }
    training = training_frame(candidates, config.model)
    trials = []
    for random_state in random_states:
        model_config = config.model.model_copy(update={"random_state": random_state})
        fitted = fit_model(training, model_config).model
        trial = Trial(prepared.spec, random_state, reference_rows=len(training))
        for name, rows in populations.items():
            if rows.empty:
                continue
            explained = fitted.explain(rows)
            scores = explained[SCORE_COLUMN].to_numpy(dtype="float64")
            trial.ap[name] = average_precision(labels[name], scores)
            order = np.lexsort((rows["sha256"].to_numpy(), -scores))
            top = order[: model_config.alert_top_n] if model_config.alert_top_n > 0 else order
            suspicious = fitted.features(rows).to_numpy().max(axis=1) > 0.0
            # A binary of the top N with a suspicious fact but no reason (``score`` would not alert it).
            trial.alerts_without_reason[name] = int(
                sum(suspicious[i] and len(explained[REASONS_COLUMN].iloc[i]) == 0 for i in top)
            )
            if name == POPULATION_HUNT:
                first = set(rows["sha256"].iloc[order[:HUNT_TOP]])
                present = prepared.missed_by_rule & set(rows["sha256"])
                trial.missed_found, trial.missed_total = len(present & first), len(present)
                trial.missed_before_benign = len(present & set(_before_nth_benign(rows["sha256"], order, prepared)))
        trials.append(trial)
    return trials, baselines


def _before_nth_benign(hashes: pd.Series, order: np.ndarray, prepared: Prepared) -> list[str]:
    """The hashes ranked up to and including the HUNT_TOP-th benign one (all of them if there are fewer)."""
    ranked = hashes.iloc[order].tolist()
    benign_seen = np.cumsum([sha256 not in prepared.malicious for sha256 in ranked])
    reached = np.flatnonzero(benign_seen >= HUNT_TOP)
    return ranked[: reached[0] + 1] if len(reached) else ranked


# --- report ---------------------------------------------------------------------------------------------------


def _stats(values: Sequence[float]) -> tuple[float, float]:
    finite = [value for value in values if not np.isnan(value)]
    return (float(np.mean(finite)), float(np.min(finite))) if finite else (float("nan"), float("nan"))


def fleet_table(prepared: Prepared, trials: list[Trial], baselines: dict[str, dict[str, float]]) -> str:
    spec = prepared.spec
    lines = [f"### {spec.name} (prepared in {prepared.seconds / 60:.1f} min)", ""]
    counts = {
        name: (
            int((prepared.candidates["population"] == name).sum()),
            int(
                prepared.candidates[prepared.candidates["population"] == name]["sha256"].isin(prepared.malicious).sum()
            ),
        )
        for name in (*SCORED_POPULATIONS, "reference")
    }
    lines.append(", ".join(f"{name}: {rows} binaries ({bad} malicious)" for name, (rows, bad) in counts.items()))
    lines.append("")
    lines.append("| population | model AP mean | min | max | " + " | ".join(BASELINES) + " |")
    lines.append("|---|---|---|---|" + "---|" * len(BASELINES))
    for name in SCORED_POPULATIONS:
        values = [trial.ap[name] for trial in trials if name in trial.ap]
        if not values:
            continue
        mean, low = _stats(values)
        shown = " | ".join(f"{baselines[name][ranker]:.3f}" for ranker in BASELINES)
        lines.append(f"| {name} | {mean:.3f} | {low:.3f} | {np.nanmax(values):.3f} | {shown} |")
    missed = [f"{t.missed_found}/{t.missed_total}" for t in trials]
    budget = [f"{t.missed_before_benign}/{t.missed_total}" for t in trials]
    no_reason = sum(sum(t.alerts_without_reason.values()) for t in trials)
    lines.append("")
    lines.append(
        f"rule-missed attacks in the hunt top {HUNT_TOP} per random state: {' '.join(missed)}; "
        f"before the {HUNT_TOP}th benign binary: {' '.join(budget)}; alerts without a reason: {no_reason}"
    )
    return "\n".join(lines)


def summary(
    trials: list[Trial],
    baselines: dict[str, dict[str, dict[str, float]]],
    reference: dict[str, list[float]] | None = None,
) -> tuple[str, bool]:
    """The summary table over every fleet and random state, and whether the bar holds."""
    lines = [
        "| population | fleets x states | model AP mean | model AP min | spread over states (mean / max) | "
        + " | ".join(f"{ranker} mean / min" for ranker in BASELINES)
        + " | bar |",
        "|---|---|---|---|---|" + "---|" * len(BASELINES) + "---|",
    ]
    passed = True
    for name in SCORED_POPULATIONS:
        values = [trial.ap[name] for trial in trials if not np.isnan(trial.ap.get(name, float("nan")))]
        mean, low = _stats(values)
        spreads = []
        for fleet in {trial.spec for trial in trials}:
            own = [t.ap[name] for t in trials if t.spec == fleet and not np.isnan(t.ap.get(name, float("nan")))]
            if own:
                spreads.append(max(own) - min(own))
        base = {
            ranker: _stats(
                [fleet_baselines[name][ranker] for fleet_baselines in baselines.values() if name in fleet_baselines]
            )
            for ranker in BASELINES
        }
        # What fails, in words: the minimum under the bar, or a baseline above the model (the additive score
        # may tie it; the others it must beat). Means that differ by a float's rounding alone (the same APs
        # summed in another order) are equal.
        failures = [f"min < {BARS[name]}"] if low < BARS[name] else []
        for ranker, (b_mean, b_low) in base.items():
            ties = ranker == "additive"
            if (b_mean > mean + TIE if ties else b_mean >= mean - TIE) or b_low > low + TIE:
                failures.append(f"below {ranker} (mean {mean:.5f} vs {b_mean:.5f}, min {low:.5f} vs {b_low:.5f})")
        passed &= not failures
        shown = " | ".join(f"{b_mean:.3f} / {b_low:.3f}" for b_mean, b_low in base.values())
        verdict = f"pass (>= {BARS[name]})" if not failures else "FAIL: " + "; ".join(failures)
        lines.append(
            f"| {name} | {len(values)} | {mean:.3f} | {low:.3f} | {np.mean(spreads):.3f} / {np.max(spreads):.3f} | "
            f"{shown} | {verdict} |"
        )
    if reference:
        lines.append("")
        pairs = {name: _stats(values) for name, values in reference.items()}
        shown = "; ".join(f"`{name}` {mean:.3f} / {low:.3f}" for name, (mean, low) in pairs.items())
        lines.append(f"supervised reference (leave one fleet out, AP mean / min over fleets; not a bar): {shown}")
    found = sum(t.missed_found for t in trials)
    total = sum(t.missed_total for t in trials)
    before_benign = sum(t.missed_before_benign for t in trials)
    no_reason = sum(sum(t.alerts_without_reason.values()) for t in trials)
    passed &= found == total and no_reason == 0
    lines.append("")
    lines.append(
        f"rule-missed attacks in the hunt top {HUNT_TOP}: {found} of {total} (over every fleet and state), "
        f"ranked before the {HUNT_TOP}th benign binary: {before_benign} of {total}; "
        f"alerted binaries without a reason: {no_reason}"
    )
    return "\n".join(lines), passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fleets", nargs="*", default=[], metavar="SEED[:HOSTS[:DAYS]]")
    parser.add_argument("--small-fleets", nargs="*", default=[], metavar="SEED:HOSTS[:DAYS]")
    parser.add_argument("--hosts", type=int, default=400, help="hosts of a fleet given without (default 400)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--random-states", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="a configuration override")
    parser.add_argument("--master", default="local[2]", help="Spark master of the prepare step")
    parser.add_argument("--keep", metavar="DIR", help="keep each fleet's candidates under DIR/<fleet> (and reuse)")
    parser.add_argument(
        "--format",
        choices=("elastic", "sysmon", "sysmon_ecs", "defender"),
        default="elastic",
        help="the events' format (as generate --format; Defender carries the certificate's issuer and validity)",
    )
    parser.add_argument(
        "--codeintegrity",
        action="store_true",
        help="also ingest the fleet's Code Integrity events (generate --codeintegrity)",
    )
    parser.add_argument(
        "--generator",
        choices=("simulator", *OUTSIDE_GENERATORS),
        default="simulator",
        help="the project's simulator, or benchmarks/independent_fleet.py, blind_fleet.py or blind2_fleet.py "
        "(written without the simulator's code; --format elastic or sysmon_ecs, no --codeintegrity)",
    )
    args = parser.parse_args(argv)
    if args.generator in OUTSIDE_GENERATORS and (args.codeintegrity or args.format not in ("elastic", "sysmon_ecs")):
        parser.error(
            f"--generator {args.generator} writes --format elastic or sysmon_ecs, without Code Integrity events"
        )
    inputs = Inputs(args.format, args.codeintegrity, args.generator)
    specs = [FleetSpec.parse(text, args.hosts, args.days) for text in (*args.fleets, *args.small_fleets)]
    if not specs:
        parser.error("give --fleets and/or --small-fleets")
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    config = load_config(None, list(args.set))
    overrides = [f"spark.master={args.master}", "spark.shuffle_partitions=4", *args.set]
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="quality-"))
    all_trials: list[Trial] = []
    all_baselines: dict[str, dict[str, dict[str, float]]] = {}
    all_prepared: list[Prepared] = []
    for spec in specs:
        workdir = root / (spec.name + inputs.suffix)
        workdir.mkdir(parents=True, exist_ok=True)
        seconds = 0.0 if _prepared_files(workdir) else prepare(spec, workdir, overrides, inputs)
        prepared = load_prepared(spec, workdir, seconds)
        all_prepared.append(prepared)
        trials, baselines = evaluate_fleet(prepared, config, args.random_states)
        all_trials.extend(trials)
        all_baselines[spec.name] = baselines
        print(fleet_table(prepared, trials, baselines) + "\n", flush=True)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    reference = supervised_reference(all_prepared, config.model) if len(all_prepared) >= 3 else None
    table, passed = summary(all_trials, all_baselines, reference)
    shown_inputs = f"{inputs.generator}, {inputs.format}{' + Code Integrity' if inputs.codeintegrity else ''}"
    print(f"## ranking quality: {len(specs)} fleets ({shown_inputs}) x {len(args.random_states)} random states\n")
    print(table)
    print(f"\nbar: {'pass' if passed else 'FAIL'}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
