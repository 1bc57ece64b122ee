"""Logging a trained model to MLflow and registering it under the configured name, with aliases."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from codesign_prevalence.config import ModelConfig
from codesign_prevalence.models.tracking import (
    Tracking,
    assign_new_version_aliases,
    ensure_registered_model,
    git_commit,
)
from codesign_prevalence.models.training import TrainingResult, training_metrics
from codesign_prevalence_model import SOURCE_DIR
from codesign_prevalence_model.forest import model_signature

MODEL_ARTIFACT = "model"
INPUT_EXAMPLE_ROWS = 3
RUN_KIND_TAG = "codesign_prevalence.kind"


@dataclass(frozen=True)
class RegisteredModel:
    run_id: str
    version: str
    aliases: tuple[str, ...]
    metrics: dict[str, float]


def _pip_requirements() -> list[str]:
    return [f"{package}=={version(package)}" for package in ("mlflow", "scikit-learn", "pandas", "numpy")]


@contextmanager
def model_code() -> Iterator[list[str]]:
    """``code_paths`` for ``log_model``: a clean copy of :mod:`codesign_prevalence_model` (its sources only).

    MLflow puts the copy on ``sys.path`` when the model loads, so the pickled ``SuspicionForestModel`` finds
    its class where the project is not installed. Where it is, the module already imported wins.
    """
    with tempfile.TemporaryDirectory(prefix="model-code-") as staging:
        package = Path(staging) / SOURCE_DIR.name
        package.mkdir()
        for source in sorted(SOURCE_DIR.glob("*.py")):
            shutil.copyfile(source, package / source.name)
        yield [str(package)]


PARAM_VALUE_LIMIT = 6000  # MLflow's MAX_PARAM_VAL_LENGTH: a longer value fails the whole batch


def _bounded(value: str) -> str:
    """``value``, or its head and how long it was where MLflow would refuse it (a configured list has no bound)."""
    if len(value) <= PARAM_VALUE_LIMIT:
        return value
    note = f"... ({len(value)} characters)"
    return value[: PARAM_VALUE_LIMIT - len(note)] + note


def training_params(
    config: ModelConfig, as_of: dt.date, lineage: Mapping[str, int | None], commit: str
) -> dict[str, str]:
    """The run's parameters: hyper-parameters, features and their constants, code and data lineage."""
    params = {
        "as_of": as_of.isoformat(),
        "n_estimators": str(config.n_estimators),
        "max_samples": str(config.max_samples),
        "max_features": str(config.max_features),
        "random_state": str(config.random_state),
        "max_training_rows": str(config.max_training_rows),
        "training_population": config.training_population,
        "forest_weight": str(config.forest_weight),
        "additive_includes_rarity": str(config.additive_includes_rarity),
        "additive_weights": config.additive_weights,
        "surprisal_power": str(config.surprisal_power),
        "peer_prior_rows": str(config.peer_prior_rows),
        "graded_facts": ",".join(config.graded_facts),
        "ungated_facts": ",".join(config.ungated_facts),
        "parent_surprisal": str(config.parent_surprisal),
        "fact_priors": ",".join(f"{name}={prior:g}" for name, prior in sorted(config.fact_priors.items())),
        "churn_discount": str(config.churn_discount),
        "test_certificate_discount": str(config.test_certificate_discount),
        "known_publisher_discount": str(config.known_publisher_discount),
        "known_publishers": _bounded(json.dumps(list(config.known_publishers), ensure_ascii=False)),
        "features": ",".join(config.features),
        "rarity_ceiling_fraction": str(config.rarity_ceiling_fraction),
        "rarity_ceiling_min_hosts": str(config.rarity_ceiling_min_hosts),
        "signer_recency_days": str(config.signer_recency_days),
        "hash_new_days": str(config.hash_new_days),
        "reasons_per_binary": str(config.reasons_per_binary),
        "reason_min_contribution": str(config.reason_min_contribution),
        "git_commit": commit,
    }
    params.update({f"delta_version.{table}": str(number) for table, number in lineage.items()})
    return params


def log_and_register(
    tracking: Tracking,
    result: TrainingResult,
    config: ModelConfig,
    as_of: dt.date,
    lineage: Mapping[str, int | None],
    extra_metrics: Mapping[str, float] | None = None,
) -> RegisteredModel:
    """One MLflow run: params, lineage, metrics, the pyfunc model; registered, aliased challenger (and champion).

    ``extra_metrics`` (the reference population's size, the spread over random states) are logged too.
    """
    metrics = {**training_metrics(result.scores, config.alert_top_n, config.alert_min_score), **(extra_metrics or {})}
    commit = git_commit()
    tags = {RUN_KIND_TAG: "train", "mlflow.source.git.commit": commit}
    with model_code() as code_paths, tracking.run(f"train {as_of.isoformat()}", tags) as run:
        run.params(training_params(config, as_of, lineage, commit))
        run.metrics(metrics)
        run.dict({"features": list(config.features), "baseline": result.model.baseline}, "features.json")
        source = tracking.log_model(
            run,
            MODEL_ARTIFACT,
            python_model=result.model,
            signature=model_signature(),
            input_example=result.sample.head(INPUT_EXAMPLE_ROWS),
            pip_requirements=_pip_requirements(),
            code_paths=code_paths,
        )
    ensure_registered_model(tracking, config.name)
    created = tracking.client.create_model_version(config.name, source=source, run_id=run.run_id)
    model_version = str(created.version)
    aliases = assign_new_version_aliases(tracking, config.name, model_version)
    tracking.client.set_model_version_tag(config.name, model_version, "as_of", as_of.isoformat())
    tracking.client.set_model_version_tag(config.name, model_version, "features", json.dumps(list(config.features)))
    return RegisteredModel(run_id=run.run_id, version=model_version, aliases=aliases, metrics=metrics)
