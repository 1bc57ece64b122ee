"""Where MLflow lives: the embedded SQLite store under the storage root, the environment, the configuration."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest

from codesign_prevalence.config import ModelConfig, load_config
from codesign_prevalence.errors import UserError
from codesign_prevalence.models.registry import PARAM_VALUE_LIMIT, training_params
from codesign_prevalence.models.tracking import connect, ensure_experiment, resolve_uris


@pytest.fixture(autouse=True)
def _no_mlflow_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)


def test_embedded_store_under_the_storage_root(tmp_path: Path) -> None:
    config = load_config(None, [f"storage.root={tmp_path}"])
    database = tmp_path / "mlflow" / "mlflow.db"
    assert resolve_uris(config) == (
        f"sqlite:///{database}",
        f"sqlite:///{database}",
        (tmp_path / "mlflow" / "artifacts").as_uri(),
    )


def test_environment_then_configuration_take_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "databricks")
    assert resolve_uris(load_config(None, [f"storage.root={tmp_path}"])) == ("databricks", "databricks", None)
    overrides = ["mlflow.tracking_uri=http://mlflow:5000", "mlflow.registry_uri=databricks-uc"]
    configured = load_config(None, [f"storage.root={tmp_path}", *overrides])
    assert resolve_uris(configured) == ("http://mlflow:5000", "databricks-uc", None)


def test_two_storage_roots_in_one_process_keep_two_stores(tmp_path: Path) -> None:
    """Each root's runs land in its own store, and MLflow's process-wide URIs and variables stay as they were."""
    first, second = tmp_path / "first", tmp_path / "second"
    stray = Path.cwd() / "mlruns"
    stray_before = stray.exists()  # an earlier run's scoring workers may have left one (see the closing note)
    process_wide = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
    environment = {name: os.environ.get(name) for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    for root in (first, second):
        tracking = connect(load_config(None, [f"storage.root={root}"]))
        assert tracking.tracking_uri == f"sqlite:///{root / 'mlflow' / 'mlflow.db'}"
        assert tracking.registry_uri == tracking.tracking_uri
        experiment = tracking.client.get_experiment(ensure_experiment(tracking))
        assert experiment.artifact_location == (root / "mlflow" / "artifacts").as_uri()
        with tracking.run(f"run in {root.name}", {"root": root.name}) as run:
            run.params({"root": root.name})
            run.metrics({"value": 1.0})
            run.text("hello", "note.txt")
    assert (mlflow.get_tracking_uri(), mlflow.get_registry_uri()) == process_wide
    assert {name: os.environ.get(name) for name in environment} == environment
    for root in (first, second):
        tracking = connect(load_config(None, [f"storage.root={root}"]))
        runs = tracking.client.search_runs([ensure_experiment(tracking)])
        assert [(r.data.tags["root"], r.data.params["root"], r.data.metrics["value"], r.info.status) for r in runs] == [
            (root.name, root.name, 1.0, "FINISHED")
        ]
        assert (root / "mlflow" / "artifacts" / runs[0].info.run_id / "artifacts" / "note.txt").read_text() == "hello"
    assert stray.exists() == stray_before  # connecting to a store never leaves ./mlruns behind


def test_a_sqlite_store_in_a_missing_folder_fails_at_once(tmp_path: Path) -> None:
    """MLflow itself retries a failed SQL connection with back-off for ~100 s; a folder that is not there is
    reported before that, in one line naming the folder."""
    missing = tmp_path / "no-such-folder"
    config = load_config(None, [f"storage.root={tmp_path}", f"mlflow.tracking_uri=sqlite:///{missing}/mlflow.db"])
    uris_before = (mlflow.get_tracking_uri(), mlflow.get_registry_uri())
    started = time.monotonic()
    with pytest.raises(UserError) as raised:
        connect(config)
    assert time.monotonic() - started < 5
    assert (mlflow.get_tracking_uri(), mlflow.get_registry_uri()) == uris_before  # the process's MLflow untouched
    message = str(raised.value)
    assert message.startswith(f"cannot reach the MLflow tracking store sqlite:///{missing}/mlflow.db")
    assert f"the folder {missing} of the SQLite file does not exist" in message and "\n" not in message
    assert not missing.exists()


LOG_A_MODEL = """
import sys
import mlflow.pyfunc
import pandas as pd
from codesign_prevalence.config import load_config
from codesign_prevalence.models.tracking import connect

class Echo(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input

tracking = connect(load_config(None, ["storage.root=" + sys.argv[1]]))
with tracking.run("log a model", {}) as run:
    example = pd.DataFrame({"x": [1.0]})
    print(tracking.log_model(run, "model", python_model=Echo(), input_example=example, pip_requirements=[]))
"""


def test_logging_a_model_leaves_no_mlruns_in_the_working_directory(tmp_path: Path) -> None:
    """In a fresh process (tracing in its default state), ``save_model`` validated the input example with
    tracing suspended and then turned it back on, which built a trace exporter for the process-wide URI:
    a ``./mlruns`` folder in whatever folder the job was started from."""
    started_in = tmp_path / "job"
    started_in.mkdir()
    environment = {k: v for k, v in os.environ.items() if k not in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")}
    logged = subprocess.run(
        [sys.executable, "-c", LOG_A_MODEL, str(tmp_path / "lake")],
        cwd=started_in, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )
    assert logged.returncode == 0, logged.stderr[-2000:]
    assert logged.stdout.strip().startswith("runs:/") and logged.stdout.strip().endswith("/model")
    assert list(started_in.iterdir()) == []


def test_a_configured_list_longer_than_mlflow_takes_is_logged_cut_and_says_so() -> None:
    """``model.known_publishers`` has no bound; MLflow refuses a parameter value above 6,000 characters (and with it
    the whole batch): the run logs the list's head and its length instead, and a short list whole."""
    many = tuple(f'Vendor "{number}" Ltd., {"x" * 20}' for number in range(400))
    logged = training_params(ModelConfig(known_publishers=many), dt.date(2026, 12, 7), {}, "abc")["known_publishers"]
    assert len(logged) == PARAM_VALUE_LIMIT and logged.endswith(f"... ({len(json.dumps(list(many)))} characters)")
    short = training_params(ModelConfig(), dt.date(2026, 12, 7), {}, "abc")["known_publishers"]
    assert json.loads(short) == list(ModelConfig().known_publishers)
