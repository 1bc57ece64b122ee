"""What a generated fleet holds: the counts the ingest and the tests check against."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class FleetSummary:
    """Counts of what :func:`generate_fleet` wrote.

    ``lines_written == process_start_events + duplicate_lines + non_process_events + malformed_lines``.
    ``dotted_key_docs`` and ``string_category_docs`` are process starts written in those shapes (a subset of
    ``process_start_events``); ``non_process_events`` is ``process_end_events + network_events + file_events``.
    ``profile`` holds the fleet profile's knobs drawn from the seed (see ``data/scenarios.yaml``).
    """

    events_path: Path
    labels_path: Path
    lines_written: int
    process_start_events: int
    duplicate_lines: int
    dotted_key_docs: int
    string_category_docs: int
    non_process_events: int
    process_end_events: int
    network_events: int
    file_events: int
    malformed_lines: int
    malformed_by_kind: dict[str, int]
    hosts: int
    days: int
    seed: int
    start_date: dt.date
    end_date: dt.date
    binaries: int
    malicious_binaries: int
    binaries_by_scenario: dict[str, int] = field(default_factory=dict)
    profile: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: paths and dates as text."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, (Path, dt.date)):
                data[key] = str(value)
        return data
