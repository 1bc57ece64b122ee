"""Synthetic Windows fleet: Elastic Defend process events with labelled stolen-certificate scenarios.

``generate_fleet(out_dir, hosts, days, seed, end_date, events_per_host_day)`` writes
``events.ndjson.gz`` and ``labels.csv`` and returns a :class:`FleetSummary`.
"""

from __future__ import annotations

from codesign_prevalence.simulator.fleet import EVENTS_FILE, LABELS_FILE, generate_fleet
from codesign_prevalence.simulator.summary import FleetSummary

__all__ = ["EVENTS_FILE", "LABELS_FILE", "FleetSummary", "generate_fleet"]
