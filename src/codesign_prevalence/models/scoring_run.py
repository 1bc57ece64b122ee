"""The MLflow run of one ``score``: which model version scored which as-of date, with the row and alert counts.

The run report's artifacts are logged to this run; :func:`latest_scoring_run` finds it again by tag.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from codesign_prevalence.models.registry import RUN_KIND_TAG
from codesign_prevalence.models.tracking import Tracking

SCORE_KIND = "score"
AS_OF_TAG = "codesign_prevalence.as_of"


def log_scoring_run(
    tracking: Tracking,
    as_of: dt.date,
    model: tuple[str, str, str, str],
    rows: Mapping[str, int],
    alerts: Mapping[str, int],
    table_version: int | None,
) -> str:
    """Log one finished run (kind ``score``, tagged with the as-of date) and return its id.

    ``model`` is (name, alias, version, the training run's id).
    """
    name, alias, version, training_run_id = model
    with tracking.run(f"score {as_of.isoformat()}", {RUN_KIND_TAG: SCORE_KIND, AS_OF_TAG: as_of.isoformat()}) as run:
        run.params(
            {
                "as_of": as_of.isoformat(),
                "model_name": name,
                "model_alias": alias,
                "model_version": version,
                "training_run_id": training_run_id,
                "delta_version.gold/scored_binaries": str(table_version),
            }
        )
        run.metrics(
            {
                **{f"{population}_rows": float(count) for population, count in rows.items()},
                **{f"{population}_alerts": float(count) for population, count in alerts.items()},
            }
        )
    return run.run_id


def latest_scoring_run(tracking: Tracking, as_of: dt.date) -> str | None:
    """The id of the newest ``score`` run of ``as_of``, or None.

    The filter is built from a constant and a ``datetime.date`` (ISO digits and dashes), never from data.
    """
    existing = tracking.client.get_experiment_by_name(tracking.experiment)
    if existing is None:
        return None
    if not isinstance(as_of, dt.date):
        raise TypeError(f"as_of must be a datetime.date, not {type(as_of).__name__}")
    runs = tracking.client.search_runs(
        [existing.experiment_id],
        filter_string=f"tags.`{RUN_KIND_TAG}` = '{SCORE_KIND}' and tags.`{AS_OF_TAG}` = '{as_of.isoformat()}'",
        order_by=["attributes.start_time DESC"],
        max_results=1,
    )
    return str(runs[0].info.run_id) if runs else None
