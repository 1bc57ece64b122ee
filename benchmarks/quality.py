"""Ranking quality on simulated fleets: generate -> ingest -> features -> train -> score -> evaluate, per seed.

Each seed runs in its own temporary storage root (tables and the embedded MLflow store), in one Spark
session. Features were tuned on seeds 7 and 5; report other seeds. Prints a markdown table per seed and a
summary of the quality bar:

- ``rule`` population: average precision >= 0.95 and above every baseline's;
- ``hunt`` population: average precision >= 0.90, and every attack binary the seed rule misses by design
  (``front_company_cert``: trusted certificate of a new signer; ``self_signed_impostor``: allow-listed name on
  an untrusted certificate) within the first 20.

Run: ``.venv/bin/python benchmarks/quality.py [--seeds 11 23 42] [--hosts 400] [--days 14]``
(add ``--keep DIR`` to keep each seed's data, and ``--reuse-features`` to retrain on it after a model change)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import functions as F

from codesign_prevalence.config import load_config
from codesign_prevalence.jobs import evaluate, features, ingest, score, train
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.jobs.evaluate import EvaluateReport
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED

MISSED_BY_RULE = ("front_company_cert", "self_signed_impostor")
BASELINES = ("seed_rule", "single_host", "host_count_ascending")
RULE_AP_BAR, HUNT_AP_BAR, HUNT_TOP = 0.95, 0.90, 20


@dataclass(frozen=True)
class SeedResult:
    seed: int
    report: EvaluateReport
    missed_found: int
    missed_total: int
    seconds: float

    def ap(self, population: str, ranker: str) -> float:
        found = self.report.metric(population, ranker)
        return float("nan") if found is None or found.average_precision is None else found.average_precision

    def passes(self) -> tuple[bool, bool]:
        rule_ap = self.ap("rule", "model")
        rule_ok = rule_ap >= RULE_AP_BAR and all(rule_ap > self.ap("rule", name) for name in BASELINES)
        hunt_ok = self.ap("hunt", "model") >= HUNT_AP_BAR and self.missed_found == self.missed_total
        return rule_ok, hunt_ok


def missed_by_rule_in_top(context: JobContext, labels: Path, top: int) -> tuple[int, int]:
    """(found in the hunt top ``top``, total) of the attack binaries the seed rule misses by design."""
    spark = context.spark
    attacks = (
        spark.read.option("header", True).option("escape", '"').csv(str(labels))
        .where(F.col("scenario").isin(*MISSED_BY_RULE))
        .select(F.lower(F.col("sha256")).alias("sha256"))
        .distinct()
    )
    hunt = context.lakehouse.read(spark, GOLD_SCORED).where(F.col("population") == F.lit("hunt"))
    best_rank = hunt.groupBy("sha256").agg(F.min("rank").alias("rank"))
    joined = attacks.join(best_rank, on="sha256", how="left")
    row = joined.agg(
        F.count_if(F.col("rank") <= F.lit(top)).alias("found"), F.count(F.lit(1)).alias("total")
    ).head()
    return (int(row["found"]), int(row["total"])) if row else (0, 0)


def _kept_features(workdir: Path) -> bool:
    """A kept seed folder whose fleet, labels and gold/candidates are all there (a finished earlier run)."""
    lake = workdir / "lake"
    return (workdir / "fleet" / "labels.csv").is_file() and (lake / GOLD_CANDIDATES / "_delta_log").is_dir()


def run_seed(
    seed: int, hosts: int, days: int, workdir: Path, spark_overrides: list[str], reuse_features: bool = False
) -> SeedResult:
    """One seed end to end; with ``reuse_features`` and a kept earlier run, only train -> score -> evaluate.

    Reusing is exact for model changes: generate, ingest and features are deterministic for a seed, and the
    earlier run's model store and scored table are removed first, so the new model is again the first
    version (``champion``), as in a full run.
    """
    started = time.monotonic()
    fleet = workdir / "fleet"
    lake = workdir / "lake"
    config = load_config(None, [f"storage.root={lake}", *spark_overrides])
    context = JobContext(config=config, verbosity=1)
    labels = fleet / "labels.csv"
    if reuse_features and _kept_features(workdir):
        for stale in (lake / "mlflow", lake / GOLD_SCORED):
            shutil.rmtree(stale, ignore_errors=True)
    else:
        summary = generate_fleet(fleet, hosts=hosts, days=days, seed=seed)
        labels = summary.labels_path
        ingest.run(context, [str(summary.events_path)])
        features.run(context, None)
    train.run(context, None)
    score.run(context, None, "champion")
    report = evaluate.run(context, labels, None)
    found, total = missed_by_rule_in_top(context, labels, HUNT_TOP)
    return SeedResult(seed, report, found, total, time.monotonic() - started)


def seed_table(result: SeedResult) -> str:
    lines = [
        f"### seed {result.seed} (as-of {result.report.as_of.isoformat()}, {result.seconds / 60:.1f} min)",
        "",
        "| population | ranker | binaries | malicious | AP | precision@k | recall@20 |",
        "|---|---|---|---|---|---|---|",
    ]
    for metric in result.report.metrics:
        shown = [
            "n/a" if value is None else f"{value:.3f}"
            for value in (metric.average_precision, metric.precision_at_k, metric.recall_at_k)
        ]
        counts = f"| {metric.population} | {metric.ranker} | {metric.rows} | {metric.positives} | "
        lines.append(counts + " | ".join(shown) + " |")
    lines.append("")
    lines.append(
        f"attack binaries the seed rule misses (front company, self-signed impostor) in the hunt top {HUNT_TOP}: "
        f"{result.missed_found} of {result.missed_total}"
    )
    return "\n".join(lines)


def summary_table(results: list[SeedResult]) -> str:
    lines = [
        "| seed | rule AP (model) | best baseline AP (rule) | hunt AP (model) | missed-by-rule in hunt top 20 | "
        "rule bar | hunt bar |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        rule_ok, hunt_ok = result.passes()
        best = max(result.ap("rule", name) for name in BASELINES)
        lines.append(
            f"| {result.seed} | {result.ap('rule', 'model'):.3f} | {best:.3f} | {result.ap('hunt', 'model'):.3f} | "
            f"{result.missed_found}/{result.missed_total} | {'pass' if rule_ok else 'FAIL'} | "
            f"{'pass' if hunt_ok else 'FAIL'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 23, 42])
    parser.add_argument("--hosts", type=int, default=400)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--keep", metavar="DIR", help="keep each seed's data under DIR/seed-N instead of a temp dir")
    parser.add_argument(
        "--reuse-features",
        action="store_true",
        help="with --keep: where DIR/seed-N holds a finished run, retrain and rescore its candidates only",
    )
    args = parser.parse_args(argv)
    os.environ.pop("MLFLOW_TRACKING_URI", None)  # each seed uses the embedded store under its own root
    overrides = [f"spark.master={args.master}", "spark.shuffle_partitions=4"]
    results = []
    for seed in args.seeds:
        if args.keep:
            workdir = Path(args.keep) / f"seed-{seed}"
            workdir.mkdir(parents=True, exist_ok=True)
            results.append(run_seed(seed, args.hosts, args.days, workdir, overrides, args.reuse_features))
        else:
            with tempfile.TemporaryDirectory(prefix=f"quality-{seed}-") as scratch:
                results.append(run_seed(seed, args.hosts, args.days, Path(scratch), overrides))
        print(seed_table(results[-1]) + "\n", flush=True)
    print(f"## quality bar ({args.hosts} hosts x {args.days} days)\n")
    print(summary_table(results))
    return 0 if all(all(result.passes()) for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
