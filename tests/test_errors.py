"""Every user error the issue names ends in one line on stderr, a non-zero exit status and no traceback.

The errors found before Spark starts are checked in a subprocess (the command line exactly as users call it);
those that need the session (reading input or tables) through ``cli.main`` in this process, which reuses the
tests' SparkSession, with ``--quiet`` so that the stage's progress line does not share stderr with the error.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from codesign_prevalence import cli

ERROR_PREFIX = "codesign-prevalence: error: "


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "codesign_prevalence.cli", "--quiet", *args],
        capture_output=True, text=True, timeout=300, env=environment,
    )


def _assert_one_line(returncode: int, stderr: str, message: str) -> None:
    assert returncode != 0, stderr
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(ERROR_PREFIX) and message in lines[0], lines[0]


@pytest.fixture
def conf_unknown_key(tmp_path: Path) -> Path:
    conf = tmp_path / "unknown.yaml"
    conf.write_text("features:\n  lookbak_days: 7\n")
    return conf


@pytest.fixture
def conf_wrong_type(tmp_path: Path) -> Path:
    conf = tmp_path / "wrong.yaml"
    conf.write_text("model:\n  n_estimators: many\n")
    return conf


def test_unknown_key_in_conf_file(tmp_path: Path, conf_unknown_key: Path) -> None:
    result = _cli("--conf", str(conf_unknown_key), "--set", f"storage.root={tmp_path}", "features")
    _assert_one_line(result.returncode, result.stderr, "unknown configuration key 'features.lookbak_days'")


def test_wrong_type_in_conf_file(tmp_path: Path, conf_wrong_type: Path) -> None:
    result = _cli("--conf", str(conf_wrong_type), "--set", f"storage.root={tmp_path}", "train")
    _assert_one_line(result.returncode, result.stderr, "invalid value for 'model.n_estimators'")


def test_folder_without_input_files(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notes.txt").write_text("not an input file")
    result = _cli("--set", f"storage.root={tmp_path / 'lake'}", "ingest", "--input", str(tmp_path / "in"))
    _assert_one_line(result.returncode, result.stderr, "no NDJSON files")


def test_storage_root_not_writable(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where the storage root's parent folder should be")
    result = _cli("--set", f"storage.root={blocker / 'lake'}", "features")
    _assert_one_line(result.returncode, result.stderr, "is not writable")
    assert "--set storage.root=DIR" in result.stderr


@pytest.mark.parametrize(
    "uri",
    ["sqlite:////nonexistent-folder/mlflow.db", "http://127.0.0.1:9"],
    ids=["sqlite-folder-missing", "http-nothing-listening"],
)
def test_mlflow_store_unreachable(tmp_path: Path, uri: str) -> None:
    no_retries = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "5"}
    result = _cli("--set", f"storage.root={tmp_path}", "--set", f"mlflow.tracking_uri={uri}", "score", env=no_retries)
    _assert_one_line(result.returncode, result.stderr, f"cannot reach the MLflow tracking store {uri}")
    assert "mlflow.tracking_uri" in result.stderr.split(")")[-1]


def test_mlflow_store_unreachable_from_environment(tmp_path: Path) -> None:
    result = _cli("--set", f"storage.root={tmp_path}", "score", env={"MLFLOW_TRACKING_URI": "sqlite:////nope/m.db"})
    _assert_one_line(result.returncode, result.stderr, "cannot reach the MLflow tracking store sqlite:////nope/m.db")


def test_model_alias_missing(tmp_path: Path) -> None:
    result = _cli("--set", f"storage.root={tmp_path}", "score", "--model-alias", "staging")
    _assert_one_line(result.returncode, result.stderr, "no model version 'codesign_prevalence_iforest@staging'")
    assert "run 'train' first" in result.stderr


# In this process, with the tests' SparkSession: the errors found while reading input or tables.


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = cli.main(["--quiet", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("kind", ["empty-file", "empty-gzip", "blank-lines"])
def test_empty_input(spark: SparkSession, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str) -> None:
    path = tmp_path / ("events.ndjson.gz" if kind == "empty-gzip" else "events.ndjson")
    if kind == "empty-gzip":
        path.write_bytes(gzip.compress(b""))
    else:
        path.write_text("" if kind == "empty-file" else "\n\n  \n")
    code, stderr = _main(capsys, "--set", f"storage.root={tmp_path / 'lake'}", "ingest", "--input", str(path))
    if kind == "blank-lines":  # blank lines are lines: an ingest that accepts nothing, not an error
        assert code == 0, stderr
        return
    _assert_one_line(code, stderr, "the input has no lines to ingest")


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["features"], "table bronze/process_events does not exist"),
        (["features", "--as-of", "2026-11-26"], "run 'ingest' first"),
        (["train"], "table gold/candidates does not exist"),
        (["compare"], "no model version"),
        (["evaluate", "--labels", "/nonexistent/labels.csv"], "labels file not found"),
    ],
)
def test_stage_before_the_one_it_needs(
    spark: SparkSession, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str], message: str
) -> None:
    code, stderr = _main(capsys, "--set", f"storage.root={tmp_path / 'lake'}", *command)
    _assert_one_line(code, stderr, message)
