"""The outside generators' tests: loading a generator script, reading a generated fleet's files."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

LABEL_COLUMNS = ["sha256", "label", "scenario", "signer", "description"]
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def load_generator(file_name: str) -> ModuleType:
    """A generator script of ``benchmarks/``, imported by path (it imports nothing of ours)."""
    name = Path(file_name).stem
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / file_name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def documents(out: Path) -> list[dict[str, Any]]:
    """Every document of ``out/events.ndjson.gz``, in order."""
    with gzip.open(out / "events.ndjson.gz", "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def label_rows(out: Path) -> list[dict[str, str]]:
    """The rows of ``out/labels.csv``, whose header is the labels contract's (:data:`LABEL_COLUMNS`)."""
    with open(out / "labels.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == LABEL_COLUMNS
        return list(reader)
