"""The same entry point through PySpark's own ``spark-submit`` (the README's command) on a tiny fleet: the
session keeps spark-submit's master and configuration, Delta comes from ``--jars`` (no ``--packages``, no
network), and the whole ``run`` writes its tables and report."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from codesign_prevalence.config import SparkConfig
from codesign_prevalence.simulator import generate_fleet
from codesign_prevalence.spark import cached_delta_jars, jars_dir

ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "src" / "codesign_prevalence" / "__main__.py"
END = dt.date(2026, 11, 26)


def _spark_submit() -> Path:
    beside_python = Path(sys.executable).parent / "spark-submit"
    if beside_python.is_file():
        return beside_python
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-submit"


@pytest.mark.slow
def test_run_through_spark_submit(tmp_path: Path) -> None:
    jars = cached_delta_jars(jars_dir(SparkConfig()))
    assert jars, "Delta jars are not cached; run scripts/setup.sh"
    fleet = generate_fleet(tmp_path / "fleet", hosts=6, days=2, seed=3, end_date=END, events_per_host_day=40.0)
    lake = tmp_path / "lake"
    environment = {
        **os.environ,
        "PYSPARK_PYTHON": sys.executable,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    for variable in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "PYSPARK_GATEWAY_PORT", "PYSPARK_GATEWAY_SECRET"):
        environment.pop(variable, None)
    command = [
        str(_spark_submit()),
        "--master", "local[1]",
        "--jars", ",".join(str(jar) for jar in jars),
        "--conf", "spark.driver.extraJavaOptions=-Duser.timezone=UTC",
        str(ENTRY),
        "--verbose",
        "run", "--input", str(fleet.events_path), "--json",
        "--set", f"storage.root={lake}", "--set", "model.n_estimators=30",
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=1500, cwd=tmp_path, env=environment, check=False
    )
    assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
    # spark-submit's PythonRunner merges the Python driver's stderr into its stdout: the stage lines, then
    # the JSON summary (which starts on a line of its own).
    output = result.stdout
    assert "[spark] Spark 4.0.1, master local[1]" in output  # spark-submit's master, not the configured one
    assert "[ingest] started" in output and "[report] done in " in output
    summary = json.loads(output[output.rindex("\n{\n") + 1 :])
    assert summary["ingest"]["accepted"] > 0 and summary["score"]["rows"]["hunt"] > 0
    for table in ("bronze/process_events", "gold/candidates", "gold/scored_binaries", "ops/ingest_runs"):
        assert (lake / table / "_delta_log" / "00000000000000000000.json").is_file(), table
    assert Path(summary["report"]["path"]).is_file()
