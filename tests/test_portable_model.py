"""The registered model loads and scores where the project is not installed (issue 16, "a portable model").

The model's own code (:mod:`codesign_prevalence_model`) is logged with it (MLflow ``code_paths``). The proof is
a fresh Python process from which both of the project's packages are hidden (the editable install's path entry
removed, and checked: neither package can be found): it loads ``models:/<name>@champion`` from the shared
run's registry, scores candidate rows, and must give the scores that ``score`` wrote to gold/scored_binaries.
``mlflow.pyfunc.spark_udf`` on the same registered version gives them too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import mlflow.pyfunc
import pandas as pd
import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from codesign_prevalence.storage import GOLD_CANDIDATES, GOLD_SCORED
from codesign_prevalence_model.features import INPUT_COLUMNS
from codesign_prevalence_model.forest import SCORE_COLUMN, model_input_frame
from pipeline_helpers import MODEL, PipelineRun

HIDDEN = ("codesign_prevalence", "codesign_prevalence_model")

# Run with the project's packages hidden: every sys.path entry that holds one of them is dropped first.
LOADER = textwrap.dedent(
    """
    import importlib.util, json, os, sys
    hidden = {hidden!r}
    sys.path[:] = [e for e in sys.path if not any(os.path.isdir(os.path.join(e or ".", n)) for n in hidden)]
    assert all(importlib.util.find_spec(name) is None for name in hidden), "the project is still importable"
    import mlflow.pyfunc, pandas as pd
    model = mlflow.pyfunc.load_model("models:/{model}@champion")
    rows = pd.read_parquet(sys.argv[1])
    scores = model.predict(rows)["{score}"]
    python_model = model.unwrap_python_model()
    print(json.dumps({{
        "scores": list(scores.astype(float)),
        "class_file": sys.modules[type(python_model).__module__].__file__,
    }}))
    """
)


def _scored_rows(spark: SparkSession, root: Path) -> pd.DataFrame:
    """Scored binaries of the shared run with their candidate columns and the score ``score`` wrote."""
    key = ["sha256", "subject_name", "population", "as_of"]
    scored = spark.read.format("delta").load(str(root / GOLD_SCORED)).select(*key, SCORE_COLUMN)
    candidates = spark.read.format("delta").load(str(root / GOLD_CANDIDATES))
    joined = candidates.join(scored, key).select("population", "sha256", *INPUT_COLUMNS, SCORE_COLUMN)
    rows = joined.orderBy("population", "sha256", "signer").toPandas()
    assert len(rows) >= 5, "the shared run scored too few binaries to compare"
    return rows


def test_the_registered_model_scores_without_the_project(
    spark: SparkSession, pipeline_run: PipelineRun, tmp_path: Path
) -> None:
    rows = _scored_rows(spark, pipeline_run.root)
    model_input_frame(rows).to_parquet(tmp_path / "rows.parquet", index=False)
    store = f"sqlite:///{pipeline_run.root}/mlflow/mlflow.db"
    environment = {**os.environ, "MLFLOW_TRACKING_URI": store, "MLFLOW_REGISTRY_URI": store}
    environment.pop("PYTHONPATH", None)
    script = LOADER.format(hidden=HIDDEN, model=MODEL, score=SCORE_COLUMN)
    outcome = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "rows.parquet")],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert outcome.returncode == 0, outcome.stderr[-3000:]
    loaded = json.loads(outcome.stdout.strip().splitlines()[-1])
    # The class came from the code logged with the model, not from the source tree.
    class_file = Path(loaded["class_file"]).resolve()
    assert class_file.parent.name == "codesign_prevalence_model"
    assert not class_file.is_relative_to(Path(__file__).resolve().parents[1] / "src")
    expected = rows[SCORE_COLUMN].astype(float).tolist()
    assert len(loaded["scores"]) == len(expected)
    for index, (got, score) in enumerate(zip(loaded["scores"], expected, strict=True)):
        assert abs(got - score) < 1e-9, rows.iloc[index]["sha256"]


def test_spark_udf_on_the_registered_model(
    spark: SparkSession, pipeline_run: PipelineRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = f"sqlite:///{pipeline_run.root}/mlflow/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)  # what a notebook user sets; undone after the test
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", store)
    rows = _scored_rows(spark, pipeline_run.root)
    frame = spark.createDataFrame(model_input_frame(rows).reset_index(names="row"))
    udf = mlflow.pyfunc.spark_udf(spark, f"models:/{MODEL}@champion", result_type="double", env_manager="local")
    predicted = frame.select("row", udf(*[F.col(name) for name in INPUT_COLUMNS]).alias("udf"))
    got = {row["row"]: row["udf"] for row in predicted.collect()}
    expected = rows[SCORE_COLUMN].astype(float).tolist()
    assert sorted(got) == list(range(len(expected)))
    for index, score in enumerate(expected):
        assert abs(got[index] - score) < 1e-9, rows.iloc[index]["sha256"]
