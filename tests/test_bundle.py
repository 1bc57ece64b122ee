"""databricks.yml: every task calls an entry point the wheel really has, with arguments the real CLI parser
and configuration loader accept (job-parameter and bundle-variable references replaced by sample values), the
shared settings of conf/databricks.yaml, and compute from each target (a job cluster, or serverless)."""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from codesign_prevalence.cli import build_parser, overrides_of
from codesign_prevalence.config import load_config

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_JOB_PARAMETERS = {"input": "/Volumes/main/codesign_prevalence/landing/events", "as_of": "2026-11-26"}
DAILY = "codesign_prevalence_daily"
WEEKLY = "codesign_prevalence_weekly"


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "databricks.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _variables(bundle: dict[str, Any]) -> dict[str, str]:
    """The bundle variables' defaults, with ${var.x} inside them resolved (the bundle's synced files: here)."""
    values = {
        name: str(spec["default"]).replace("${workspace.file_path}", str(ROOT))
        for name, spec in bundle["variables"].items()
    }
    for _ in range(5):
        values = {name: _substitute_variables(value, values) for name, value in values.items()}
    return values


def _substitute_variables(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{var\.(\w+)\}", lambda match: values[match.group(1)], text)


def _substitute(argument: str, job_parameters: dict[str, str], variables: dict[str, str]) -> str:
    def job_parameter(match: re.Match[str]) -> str:
        assert match.group(1) in job_parameters, f"{{{{job.parameters.{match.group(1)}}}}} is not a job parameter"
        return SAMPLE_JOB_PARAMETERS[match.group(1)]

    resolved = re.sub(r"\{\{\s*job\.parameters\.(\w+)\s*\}\}", job_parameter, argument)
    resolved = _substitute_variables(resolved, variables)
    assert "${" not in resolved and "{{" not in resolved, f"unresolved reference in {argument!r}"
    return resolved


def _tasks(bundle: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return list(bundle["resources"]["jobs"][job]["tasks"])


def test_jobs_schedules_and_targets(bundle: dict[str, Any]) -> None:
    jobs = bundle["resources"]["jobs"]
    assert set(jobs) == {DAILY, WEEKLY}
    assert jobs[DAILY]["schedule"]["quartz_cron_expression"].endswith("* * ?")  # every day
    assert jobs[WEEKLY]["schedule"]["quartz_cron_expression"].endswith("? * MON")  # once a week
    assert {p["name"] for p in jobs[DAILY]["parameters"]} == {"input", "as_of"}
    assert {p["name"] for p in jobs[WEEKLY]["parameters"]} == {"as_of"}
    assert set(bundle["targets"]) == {"dev", "prod", "serverless"}
    assert bundle["targets"]["dev"]["mode"] == "development" and bundle["targets"]["prod"]["mode"] == "production"


@pytest.mark.parametrize("target", ["dev", "prod", "serverless"])
def test_every_task_has_compute_from_its_target(bundle: dict[str, Any], target: str) -> None:
    """Targets add compute to the shared tasks (merged by task_key): a job cluster with the wheel as a library,
    or, on serverless, an environment whose dependency is the wheel."""
    overrides = bundle["targets"][target]["resources"]["jobs"]
    for job in (DAILY, WEEKLY):
        shared = {"task_key", "python_wheel_task", "depends_on"}
        assert all(set(task) <= shared for task in _tasks(bundle, job))  # no compute in the shared tasks
        added = {task["task_key"]: task for task in overrides[job]["tasks"]}
        assert list(added) == [task["task_key"] for task in _tasks(bundle, job)]
        if target == "serverless":
            assert "job_clusters" not in overrides[job]
            (environment,) = overrides[job]["environments"]
            assert environment["spec"]["dependencies"] == ["./dist/*.whl"]
            assert all(task["environment_key"] == environment["environment_key"] for task in added.values())
        else:
            (cluster,) = overrides[job]["job_clusters"]
            assert cluster["new_cluster"]["data_security_mode"] == "SINGLE_USER"
            for task in added.values():
                assert task["job_cluster_key"] == cluster["job_cluster_key"]
                assert task["libraries"] == [{"whl": "./dist/*.whl"}]


@pytest.mark.parametrize(
    ("job", "order"), [(DAILY, ["ingest", "features", "score", "report"]), (WEEKLY, ["train", "compare"])]
)
def test_tasks_run_in_order(bundle: dict[str, Any], job: str, order: list[str]) -> None:
    tasks = {task["task_key"]: task for task in _tasks(bundle, job)}
    assert list(tasks) == order
    for before, after in itertools.pairwise(order):
        assert tasks[after]["depends_on"] == [{"task_key": before}]
    assert "depends_on" not in tasks[order[0]]


@pytest.mark.parametrize("job", [DAILY, WEEKLY])
def test_every_task_calls_a_real_entry_point_with_arguments_the_cli_accepts(
    bundle: dict[str, Any], project: dict[str, Any], job: str
) -> None:
    variables = _variables(bundle)
    job_parameters = {p["name"]: p.get("default") for p in bundle["resources"]["jobs"][job]["parameters"]}
    for task in _tasks(bundle, job):
        wheel_task = task["python_wheel_task"]
        assert wheel_task["package_name"] == project["name"].replace("-", "_")
        assert wheel_task["entry_point"] in project["scripts"]
        assert project["scripts"][wheel_task["entry_point"]] == "codesign_prevalence.cli:main"
        arguments = [_substitute(str(a), job_parameters, variables) for a in wheel_task["parameters"]]
        assert arguments[0] == task["task_key"]  # the subcommand first, named like the task
        args = build_parser().parse_args(arguments)  # SystemExit (a failed test) on anything it rejects
        assert args.command == task["task_key"]
        if "--as-of" in arguments:
            assert args.as_of == SAMPLE_JOB_PARAMETERS["as_of"]
        assert args.conf == str(ROOT / "conf" / "databricks.yaml")
        config = load_config(args.conf, overrides_of(args))  # unknown or ill-typed keys raise
        catalog, schema = variables["catalog"], "codesign_prevalence"
        assert (config.storage.catalog, config.storage.schema_name) == (catalog, schema)  # tables by name
        assert str(config.storage.root_path) == f"/Volumes/{catalog}/{schema}/files"
        assert (config.mlflow.tracking_uri, config.mlflow.registry_uri) == ("databricks", "databricks-uc")
        assert config.model.name == f"{catalog}.{schema}.codesign_prevalence_iforest"


def test_an_empty_as_of_job_parameter_means_the_default_date() -> None:
    args = build_parser().parse_args(["features", "--as-of", ""])
    assert args.as_of == ""
    from codesign_prevalence.cli import _as_of

    assert _as_of(args) is None


def test_the_parser_rejects_what_a_typo_in_the_bundle_would_produce() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["score", "--as_of", "2026-11-26"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["ingest"])
