"""Where MLflow lives: the embedded SQLite store under the storage root, the environment, the configuration."""

from __future__ import annotations

import time
from pathlib import Path

import mlflow
import pytest

from codesign_prevalence.config import load_config
from codesign_prevalence.errors import UserError
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
    """mlflow.set_tracking_uri copies the URI into the environment; that must not pin the next root."""
    first, second = tmp_path / "first", tmp_path / "second"
    stray = Path.cwd() / "mlruns"
    stray_before = stray.exists()  # an earlier run's scoring workers may have left one (see the closing note)
    for root in (first, second):
        tracking = connect(load_config(None, [f"storage.root={root}"]))
        assert tracking.tracking_uri == f"sqlite:///{root / 'mlflow' / 'mlflow.db'}"
        assert tracking.registry_uri == tracking.tracking_uri
        experiment = tracking.client.get_experiment(ensure_experiment(tracking))
        assert experiment.artifact_location == (root / "mlflow" / "artifacts").as_uri()
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
