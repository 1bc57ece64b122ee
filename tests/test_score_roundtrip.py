"""The MLflow round trip on a small inline gold/candidates table: train -> register -> score (twice) -> compare
-> evaluate, with tracking in SQLite under tmp_path."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from chispa import assert_approx_df_equality
from mlflow.tracking import MlflowClient
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.config import load_config
from codesign_prevalence.errors import ModelNotFoundError, UserError
from codesign_prevalence.jobs import compare, evaluate, score, train
from codesign_prevalence.jobs.context import JobContext
from codesign_prevalence.models.tracking import connect
from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED
from codesign_prevalence_model.forest import SCORE_COLUMN, model_input_frame
from test_model_support import AS_OF, benign_fleet, candidate, candidates_frame

MODEL = "test_iforest"
ATTACK = "f" * 64


@dataclass(frozen=True)
class Lake:
    root: Path
    labels: Path
    candidates: pd.DataFrame


def _context(spark: SparkSession, root: Path, *overrides: str) -> JobContext:
    config = load_config(None, [f"storage.root={root}", f"model.name={MODEL}", "model.n_estimators=50", *overrides])
    return JobContext(config=config, verbosity=0, _spark=spark)


@pytest.fixture(scope="module")
def lake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    """gold/candidates of one as-of date: a benign hunt population, the rule matches, one attack (in both), and
    the reference population the model is trained on (each of those binaries once)."""
    root = tmp_path_factory.mktemp("lake")
    hunt = benign_fleet(rows=60)
    attack = {
        "hash_host_count": 1,
        "status_category": "revoked",
        "signer_path_class_share": 0.0,
        "pe_company_mismatch": True,
        "lolbin_parent_share": 1.0,
    }
    rule = pd.DataFrame.from_records(
        [
            candidate("e" * 64, "rule", hash_host_count=150, status_category="expired"),
            candidate("d" * 64, "rule", hash_host_count=1, status_category="untrusted_root", subject_name=None),
            candidate(ATTACK, "rule", **attack),  # type: ignore[arg-type]
        ]
    )
    scored_rows = pd.concat([hunt, rule, rule.iloc[[2]].assign(population="hunt", rule_match=True)], ignore_index=True)
    reference = scored_rows.drop_duplicates("sha256").assign(population="reference")  # every signed binary once
    rows = pd.concat([scored_rows, reference], ignore_index=True)
    (candidates_frame(spark, rows).write.format("delta").partitionBy("as_of").save(str(root / GOLD_CANDIDATES)))
    labels = root / "labels.csv"
    labels.write_text(f"sha256,label,scenario\n{ATTACK},malicious,stolen_cert_revoked\n{'e' * 64},benign,x\n")
    mlflow_env = pytest.MonkeyPatch()
    mlflow_env.delenv("MLFLOW_TRACKING_URI", raising=False)
    mlflow_env.delenv("MLFLOW_REGISTRY_URI", raising=False)
    yield Lake(root, labels, rows)
    mlflow_env.undo()


def _scored(spark: SparkSession, root: Path) -> DataFrame:
    return spark.read.format("delta").load(str(root / GOLD_SCORED))


def test_round_trip(spark: SparkSession, lake: Lake) -> None:
    context = _context(spark, lake.root)
    with pytest.raises(ModelNotFoundError, match=r"run 'train' first"):
        score.run(context, None, "champion")

    first = train.run(context, None)
    assert (first.model_version, first.aliases, first.as_of) == ("1", ("challenger", "champion"), AS_OF)
    assert first.training_rows == 63  # the reference population: the 61 hunt binaries and the 2 other rule matches
    store = f"sqlite:///{lake.root}/mlflow/mlflow.db"
    client = MlflowClient(tracking_uri=store, registry_uri=store)  # not a registry URI set process-wide
    run = client.get_run(first.run_id)
    assert run.data.params["features"] == ",".join(context.config.model.features)
    assert run.data.params["graded_facts"] == ""  # none by default
    assert run.data.params["ungated_facts"] == "known_name,document_lure"
    assert run.data.params["parent_surprisal"] == "True"
    assert "known_name=1.41" in run.data.params["fact_priors"]  # the defaults, by which the weights were multiplied
    assert run.data.params["known_publisher_discount"] == "1.0"
    assert json.loads(run.data.params["known_publishers"])[3:5] == ["Adobe Inc.", "Oracle America, Inc."]
    assert run.data.params[f"delta_version.{GOLD_CANDIDATES}"] == "0"
    assert run.data.params["git_commit"]
    assert run.data.metrics["training_rows"] == 63.0
    assert run.data.metrics["reference_rows"] == 63.0
    assert 0.0 <= run.data.metrics["random_state_spearman_min"] <= 1.0
    assert run.data.metrics["parent_factor_unseen"] >= 1.0  # a parent no training row had weighs at least the fact
    artifacts = client.get_experiment(run.info.experiment_id).artifact_location
    assert artifacts == (lake.root / "mlflow" / "artifacts").as_uri()

    report = score.run(context, None, "champion")
    assert report.rows == {"hunt": 61, "rule": 3}
    # The expired rule match on 150 of 400 hosts is common: nothing suspicious to say, so it does not alert.
    assert report.alerts == {"hunt": 20, "rule": 2}
    scored = _scored(spark, lake.root)
    ranks = scored.groupBy("population").agg(F.sort_array(F.collect_list("rank")).alias("ranks")).collect()
    assert {row["population"]: row["ranks"] for row in ranks} == {"hunt": list(range(1, 62)), "rule": [1, 2, 3]}
    top = scored.where(F.col("rank") == 1).select("population", "sha256", "model_version", "subject_name").collect()
    assert sorted(tuple(row) for row in top) == [
        ("hunt", ATTACK, "1", "Contoso Software Ltd."),
        ("rule", ATTACK, "1", "Contoso Software Ltd."),
    ]
    attack_reasons = scored.where(F.col("sha256") == ATTACK).select("reasons").first()
    assert attack_reasons is not None and len(attack_reasons["reasons"]) >= 4  # every present fact
    assert scored.where(F.col("subject_name") == "").count() == 1  # the subject-less rule match

    # The scores written by Spark are the pyfunc's scores.
    loaded = connect(context.config).load_model(f"models:/{MODEL}@champion")
    rule_rows = lake.candidates[lake.candidates["population"] == "rule"].reset_index(drop=True)
    expected = spark.createDataFrame(
        pd.DataFrame(
            {"sha256": rule_rows["sha256"], SCORE_COLUMN: loaded.predict(model_input_frame(rule_rows))[SCORE_COLUMN]}
        )
    )
    actual = scored.where(F.col("population") == "rule").select("sha256", SCORE_COLUMN)
    assert_approx_df_equality(actual, expected, precision=1e-9, ignore_row_order=True, ignore_nullable=True)

    before = scored.select("scored_at").agg(F.max("scored_at")).first()[0]  # type: ignore[index]
    again = score.run(context, dt.date(2026, 11, 26), "champion")
    rescored = _scored(spark, lake.root)
    assert again.rows == report.rows and rescored.count() == 64
    assert again.table_version is not None and report.table_version is not None
    assert again.table_version > report.table_version
    assert rescored.agg(F.min("scored_at")).first()[0] > before  # type: ignore[index]

    with pytest.raises(ModelNotFoundError, match=f"'{MODEL}@nope'"):
        score.run(context, None, "nope")
    with pytest.raises(UserError, match="no rows for as-of 2026-11-25"):
        score.run(context, dt.date(2026, 11, 25), "champion")

    second = train.run(context, None)
    assert (second.model_version, second.aliases) == ("2", ("challenger",))
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"

    compared = compare.run(_context(spark, lake.root, f"evaluate.labels={lake.labels}"), None, promote=True)
    assert (compared.champion_version, compared.challenger_version) == ("1", "2")
    assert compared.spearman == {"hunt": pytest.approx(1.0), "rule": pytest.approx(1.0)}  # same data, same seed
    assert compared.top_k_overlap == {"hunt": 1.0, "rule": 1.0}
    assert compared.promoted, compared.decision
    compare_run = client.get_run(compared.run_id)
    assert compare_run.data.params["challenger_version"] == "2"
    assert compare_run.data.metrics["rule_challenger_average_precision"] == 1.0
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "2"

    evaluation = evaluate.run(context, lake.labels, None)
    rule_model = evaluation.metric("rule", "model")
    assert rule_model is not None and rule_model.positives == 1 and rule_model.average_precision == 1.0
    seed_rule = evaluation.metric("rule", "seed_rule")
    assert seed_rule is not None and seed_rule.average_precision == pytest.approx(1.0 / 3.0)
    logged = [item.path for item in client.list_artifacts(evaluation.run_id)]
    assert {"precision_recall.png", "metrics.md"} <= set(logged)
