"""Where MLflow lives, and the registry operations the jobs share.

Resolution of the tracking URI, first found wins:

1. ``mlflow.tracking_uri`` in the configuration (``--set mlflow.tracking_uri=...``);
2. the ``MLFLOW_TRACKING_URI`` environment variable (``databricks`` on Databricks);
3. the embedded default: SQLite at ``<storage.root>/mlflow/mlflow.db``, artifacts in
   ``<storage.root>/mlflow/artifacts`` (the experiment is created with that artifact location).

The registry URI is ``mlflow.registry_uri``, else ``MLFLOW_REGISTRY_URI``, else the tracking URI. MLflow is
made quiet: no artifact progress bars, its loggers (and alembic's) at WARNING.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import mlflow
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
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


@dataclass(frozen=True)
class Tracking:
    """The resolved MLflow locations and the client bound to them."""

    tracking_uri: str
    registry_uri: str
    artifact_location: str | None
    experiment: str
    client: MlflowClient


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


# What :func:`connect` last gave ``mlflow.set_tracking_uri``/``set_registry_uri``, which copy it into
# ``MLFLOW_TRACKING_URI``/``MLFLOW_REGISTRY_URI`` for subprocesses: those copies are not the user's choice,
# and must not pin a later connect (to another storage root) in the same process.
_connected: dict[str, str] = {}


def _from_environment(variable: str) -> str | None:
    value = os.environ.get(variable)
    return None if value is not None and value == _connected.get(variable) else value


def resolve_uris(config: Config) -> tuple[str, str, str | None]:
    """(tracking URI, registry URI, artifact location or None when the store is not the embedded one)."""
    configured = config.mlflow.tracking_uri or _from_environment("MLFLOW_TRACKING_URI")
    artifact_location: str | None = None
    if configured:
        tracking_uri = configured
    else:
        tracking_uri, artifact_location = embedded_store(config.storage.root_path)
    registry_uri = config.mlflow.registry_uri or _from_environment("MLFLOW_REGISTRY_URI") or tracking_uri
    return tracking_uri, registry_uri, artifact_location


def connect(config: Config) -> Tracking:
    """Point MLflow (the fluent API and a client) at the configured stores."""
    make_quiet()
    tracking_uri, registry_uri, artifact_location = resolve_uris(config)
    # Checked before MLflow's process-wide URIs are set: a failed connect leaves them as they were.
    for uri in dict.fromkeys((tracking_uri, registry_uri)):
        folder = _missing_sqlite_folder(uri)
        if folder is not None:
            missing = FileNotFoundError(f"the folder {folder} of the SQLite file does not exist")
            raise UserError(_unreachable(tracking_uri, registry_uri, missing))
    mlflow.set_tracking_uri(tracking_uri)
    mlflow.set_registry_uri(registry_uri)
    _connected.update(MLFLOW_TRACKING_URI=tracking_uri, MLFLOW_REGISTRY_URI=registry_uri)
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
