"""The command line as users call it: one-line errors without tracebacks, and the generate command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "codesign_prevalence.cli", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "storage.rooot=x", "features"], "unknown configuration key 'storage.rooot'"),
        (["--set", "features.lookback_days=abc", "features"], "invalid value for 'features.lookback_days'"),
        (["--conf", "/nonexistent/conf.yaml", "features"], "configuration file not found"),
        (["ingest", "--input", "/nonexistent/events.ndjson"], "input path does not exist"),
        (["generate", "--out", "/tmp/x", "--hosts", "0"], "hosts"),
        (["score", "--as-of", "yesterday"], "not a date"),
    ],
)
def test_user_errors_are_one_line_without_traceback(args: list[str], message: str, tmp_path: Path) -> None:
    result = _cli("--set", f"storage.root={tmp_path / 'lake'}", *args)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("codesign-prevalence: error: ") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_usage_error_exits_non_zero() -> None:
    result = _cli("no-such-command")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_generate_writes_events_and_labels(tmp_path: Path) -> None:
    out = tmp_path / "fleet"
    result = _cli("generate", "--out", str(out), "--hosts", "12", "--days", "3", "--seed", "5")
    assert result.returncode == 0, result.stderr
    assert (out / "events.ndjson.gz").stat().st_size > 1000
    assert (out / "labels.csv").read_text().startswith("sha256,label,scenario")
    assert str(out / "events.ndjson.gz") in result.stderr
