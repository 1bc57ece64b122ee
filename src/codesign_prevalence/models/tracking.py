"""Where MLflow lives, and the registry operations the jobs share.

Resolution of the tracking URI, first found wins:

1. ``mlflow.tracking_uri`` in the configuration (``--set mlflow.tracking_uri=...``);
2. the ``MLFLOW_TRACKING_URI`` environment variable (``databricks`` on Databricks);
3. the embedded default: SQLite at ``<storage.root>/mlflow/mlflow.db``, artifacts in
   ``<storage.root>/mlflow/artifacts`` (the experiment is created with that artifact location).

The registry URI is ``mlflow.registry_uri``, else ``MLFLOW_REGISTRY_URI``, else the tracking URI. MLflow is
made quiet: no artifact progress bars, its loggers (and alembic's) at WARNING.

Nothing here sets MLflow's process-wide URIs: every call goes through the :class:`Tracking`'s own
``MlflowClient(tracking_uri=..., registry_uri=...)`` (runs: :meth:`Tracking.run`; models: :meth:`Tracking.log_model`
and :meth:`Tracking.load_model`), so two storage roots in one process (tests, a notebook) never see each other.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow.artifacts
import mlflow.pyfunc
import mlflow.tracing
from mlflow.entities import Metric, Param
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from mlflow.pyfunc import PyFuncModel
from mlflow.tracking import MlflowClient

from codesign_prevalence.config import Config
from codesign_prevalence.errors import ModelNotFoundError, UserError

MLFLOW_DIR = "mlflow"
DATABASE_FILE = "mlflow.db"
ARTIFACTS_DIR = "artifacts"
DEFAULT_LOCAL_ARTIFACTS = "mlruns"
CHAMPION = "champion"
CHALLENGER = "challenger"
_QUIET_LOGGERS = ("mlflow", "alembic", "urllib3", "py4j")


BATCH_SIZE = 100  # params (and metrics) per log_batch request: MLflow's limit for params


@dataclass(frozen=True)
class RunLog:
    """One open run: what the jobs log to it, through the client (no fluent API, no active-run state)."""

    client: MlflowClient
    run_id: str

    def params(self, values: Mapping[str, object]) -> None:
        params = [Param(key, str(value)) for key, value in values.items()]
        for start in range(0, len(params), BATCH_SIZE):
            self.client.log_batch(self.run_id, params=params[start : start + BATCH_SIZE])

    def metrics(self, values: Mapping[str, float]) -> None:
        stamp = int(time.time() * 1000)
        metrics = [Metric(key, float(value), stamp, 0) for key, value in values.items()]
        for start in range(0, len(metrics), BATCH_SIZE):
            self.client.log_batch(self.run_id, metrics=metrics[start : start + BATCH_SIZE])

    def text(self, text: str, artifact_file: str) -> None:
        self.client.log_text(self.run_id, text, artifact_file)

    def dict(self, value: dict[str, Any], artifact_file: str) -> None:
        self.client.log_dict(self.run_id, value, artifact_file)

    def artifact(self, local_path: str | Path, artifact_path: str | None = None) -> None:
        self.client.log_artifact(self.run_id, str(local_path), artifact_path)


@dataclass(frozen=True)
class Tracking:
    """The resolved MLflow locations and the client bound to them."""

    tracking_uri: str
    registry_uri: str
    artifact_location: str | None
    experiment: str
    client: MlflowClient

    @contextlib.contextmanager
    def run(self, name: str, tags: Mapping[str, str]) -> Iterator[RunLog]:
        """A new run of the experiment, FINISHED when the block ends (FAILED when it raises)."""
        created = self.client.create_run(ensure_experiment(self), run_name=name, tags=dict(tags))
        run_id = str(created.info.run_id)
        try:
            yield RunLog(self.client, run_id)
        except BaseException:
            self.client.set_terminated(run_id, "FAILED")
            raise
        self.client.set_terminated(run_id, "FINISHED")

    def log_model(self, run: RunLog, artifact_path: str, **save_arguments: Any) -> str:
        """Save a pyfunc model (``mlflow.pyfunc.save_model`` arguments) into the run's artifacts; its source URI.

        MLflow's tracing is turned off first, and stays off: ``save_model`` (MLflow 3.6) suspends tracing while
        it validates the input example and then turns it back on, which builds a trace exporter for the
        process-wide tracking URI, and with none set that creates a ``./mlruns`` folder in the working
        directory. The job records no traces.
        """
        mlflow.tracing.disable()
        with tempfile.TemporaryDirectory(prefix="model-") as staging:
            local = Path(staging) / artifact_path
            mlflow.pyfunc.save_model(path=str(local), **save_arguments)
            self.client.log_artifacts(run.run_id, str(local), artifact_path)
        return f"runs:/{run.run_id}/{artifact_path}"

    def load_model(self, model_uri: str) -> PyFuncModel:
        """A registered model, ``models:/name/version`` or ``models:/name@alias``, loaded through this client.

        The version's artifacts are located by this client's registry and downloaded with its tracking URI.
        (``download_artifacts`` of the ``models:/`` URI itself would look the version up in the process-wide
        registry, whatever ``registry_uri`` it is given: MLflow 3.6's ``ModelsArtifactRepository``.)
        """
        path = model_uri.removeprefix("models:/")
        if "@" in path:
            name, _, alias = path.partition("@")
            version = str(self.client.get_model_version_by_alias(name, alias).version)
        else:
            name, _, version = path.rpartition("/")
        location = self.client.get_model_version_download_uri(name, version)
        with tempfile.TemporaryDirectory(prefix="model-") as staging:
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=location, dst_path=staging, tracking_uri=self.tracking_uri
            )
            return mlflow.pyfunc.load_model(local)


def make_quiet() -> None:
    """No progress bars or INFO chatter from MLflow on the job's output."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


@contextlib.contextmanager
def _quiet_store_setup() -> Iterator[None]:
    """Swallow the INFO lines alembic prints while MLflow creates or checks its SQL schema.

    MLflow's migration environment calls ``logging.config.fileConfig``, which puts alembic at INFO and a
    console handler on the root logger bound to the current ``sys.stderr``: that handler is removed again.
    """
    root = logging.getLogger()
    handlers_before = list(root.handlers)
    level_before = root.level
    stray = Path(DEFAULT_LOCAL_ARTIFACTS)
    stray_existed = stray.exists()
    with contextlib.redirect_stderr(io.StringIO()):
        yield
    if not stray_existed and stray.is_dir() and not any(stray.iterdir()):
        stray.rmdir()  # the SQL store makes an empty ./mlruns for its "Default" experiment; ours live elsewhere
    for handler in list(root.handlers):
        if handler not in handlers_before:
            root.removeHandler(handler)
    root.setLevel(level_before)
    make_quiet()


def embedded_store(root: Path) -> tuple[str, str]:
    """The default tracking URI (SQLite under the storage root) and the artifact location beside it."""
    directory = root / MLFLOW_DIR
    directory.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{directory / DATABASE_FILE}", (directory / ARTIFACTS_DIR).as_uri()


def resolve_uris(config: Config) -> tuple[str, str, str | None]:
    """(tracking URI, registry URI, artifact location or None when the store is not the embedded one)."""
    configured = config.mlflow.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    artifact_location: str | None = None
    if configured:
        tracking_uri = configured
    else:
        tracking_uri, artifact_location = embedded_store(config.storage.root_path)
    registry_uri = config.mlflow.registry_uri or os.environ.get("MLFLOW_REGISTRY_URI") or tracking_uri
    return tracking_uri, registry_uri, artifact_location


def connect(config: Config) -> Tracking:
    """A client on the configured stores, checked reachable (MLflow's process-wide URIs are left alone)."""
    make_quiet()
    tracking_uri, registry_uri, artifact_location = resolve_uris(config)
    for uri in dict.fromkeys((tracking_uri, registry_uri)):
        folder = _missing_sqlite_folder(uri)
        if folder is not None:
            missing = FileNotFoundError(f"the folder {folder} of the SQLite file does not exist")
            raise UserError(_unreachable(tracking_uri, registry_uri, missing))
    try:
        with _quiet_store_setup():
            client = MlflowClient(tracking_uri=tracking_uri, registry_uri=registry_uri)
            client.search_experiments(max_results=1)
            client.search_registered_models(max_results=1)
    except Exception as exc:  # any failure to reach either store (HTTP, SQL, file system) is the user's to fix
        raise UserError(_unreachable(tracking_uri, registry_uri, exc)) from None
    return Tracking(tracking_uri, registry_uri, artifact_location, config.mlflow.experiment, client)


def _missing_sqlite_folder(uri: str) -> Path | None:
    """The folder of a ``sqlite:///`` store's database file when that folder does not exist, else None.

    SQLite would create the file but not its folder, and MLflow retries a failed connection with back-off for
    about 100 seconds before giving up: a missing folder is reported at once instead.
    """
    prefix = "sqlite:///"
    if not uri.startswith(prefix):
        return None
    database = uri[len(prefix):].split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    folder = Path(database).parent
    return None if folder.is_dir() else folder


def _unreachable(tracking_uri: str, registry_uri: str, exc: Exception) -> str:
    """One line: which store could not be reached, the first line of why, and what to do."""
    where = tracking_uri if registry_uri == tracking_uri else f"{tracking_uri} (registry {registry_uri})"
    why = (str(exc).strip().splitlines() or [""])[0][:200]
    return (
        f"cannot reach the MLflow tracking store {where} ({type(exc).__name__}: {why}); "
        "check mlflow.tracking_uri / MLFLOW_TRACKING_URI, or unset them to use the store under storage.root"
    )


def ensure_experiment(tracking: Tracking) -> str:
    """The experiment's id, creating it (with the embedded artifact location) when it does not exist."""
    existing = tracking.client.get_experiment_by_name(tracking.experiment)
    if existing is not None:
        return str(existing.experiment_id)
    return str(tracking.client.create_experiment(tracking.experiment, artifact_location=tracking.artifact_location))


def git_commit() -> str:
    """The checkout's commit (``git rev-parse HEAD``), or ``unknown`` outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        result = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = result.stdout.strip()
    return commit if result.returncode == 0 and commit else "unknown"


def model_uri(name: str, alias: str) -> str:
    return f"models:/{name}@{alias}"


def version_uri(version: ModelVersion) -> str:
    """The URI of one registered version (pinned: an alias moved meanwhile does not change what is scored)."""
    return f"models:/{version.name}/{version.version}"


def version_by_alias(tracking: Tracking, name: str, alias: str) -> ModelVersion:
    """The registered version under ``alias``, or :class:`ModelNotFoundError` saying to run ``train``."""
    try:
        return tracking.client.get_model_version_by_alias(name, alias)
    except MlflowException:
        raise ModelNotFoundError(
            f"no model version '{name}@{alias}' in the MLflow registry at {tracking.registry_uri}; "
            "run 'train' first (or pick another --model-alias)"
        ) from None


def ensure_registered_model(tracking: Tracking, name: str) -> None:
    """Create the registered model if it does not exist yet (quietly, unlike ``log_model``'s registration)."""
    try:
        tracking.client.get_registered_model(name)
    except MlflowException:
        tracking.client.create_registered_model(name, description="IsolationForest ranking rare signed binaries")


def has_alias(tracking: Tracking, name: str, alias: str) -> bool:
    try:
        tracking.client.get_model_version_by_alias(name, alias)
    except MlflowException:
        return False
    return True


def assign_new_version_aliases(tracking: Tracking, name: str, version: str) -> tuple[str, ...]:
    """A new version becomes ``challenger``; while no version is ``champion`` (the first one), also champion."""
    aliases = [CHALLENGER]
    if not has_alias(tracking, name, CHAMPION):
        aliases.append(CHAMPION)
    for alias in aliases:
        tracking.client.set_registered_model_alias(name, alias, version)
    return tuple(aliases)
