"""Which source a document is (``--source auto``), and the source modes ``--source`` takes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from codesign_prevalence.ingest.sources.defender import defender_row
from codesign_prevalence.ingest.sources.record import (
    SOURCE_CODEINTEGRITY,
    SOURCE_DEFENDER,
    SOURCE_ELASTIC,
    SOURCE_SYSMON,
    SOURCE_SYSMON_ECS,
    SOURCE_WINDOWS_EVENT,
)
from codesign_prevalence.ingest.sources.sysmon import is_sysmon_text

MODE_AUTO = "auto"
MODE_ELASTIC = "elastic"
MODE_SYSMON = "sysmon"
MODE_DEFENDER = "defender"
MODE_CODEINTEGRITY = "codeintegrity"
SOURCE_MODES = (MODE_AUTO, MODE_ELASTIC, MODE_SYSMON, MODE_DEFENDER, MODE_CODEINTEGRITY)
MODE_OF_SOURCE = {
    SOURCE_ELASTIC: MODE_ELASTIC,
    SOURCE_SYSMON_ECS: MODE_SYSMON,
    SOURCE_SYSMON: MODE_SYSMON,
    SOURCE_WINDOWS_EVENT: MODE_SYSMON,
    SOURCE_DEFENDER: MODE_DEFENDER,
    SOURCE_CODEINTEGRITY: MODE_CODEINTEGRITY,
}
REASON_NOT_SOURCE = "not_{mode}_document"
# Top-level keys without which :func:`detect` says Elastic Defend whatever else the document holds: raw Windows
# event JSON's ``EventID``, Defender's ``DeviceId``/``DeviceName`` and the Streaming API's ``properties``. A
# document with none of them is read by the ECS walk alone (:class:`~.document.DocumentReader`).
DETECTION_KEYS = ("EventID", "DeviceId", "DeviceName", "properties")


def detect(document: Mapping[str, Any]) -> str:
    """The source of one parsed document, from its shape (``--source auto``).

    Raw Windows event JSON has a top-level ``EventID`` (Sysmon when its provider or channel says so);
    Defender rows have ``DeviceId``/``DeviceName`` and Defender's columns (or the Streaming API wrapper);
    Sysmon through Elastic Agent or Winlogbeat has ``winlog.*`` from the Sysmon provider (nested or dotted);
    everything else is read as Elastic Defend. (Sysmon through Elastic Agent and Code Integrity events are
    told apart from Elastic Defend after the ECS walk: see DocumentReader.)
    """
    if "EventID" in document:
        names = (document.get(key) for key in ("SourceName", "ProviderName", "Channel", "Provider_Name"))
        return SOURCE_SYSMON if any(is_sysmon_text(name) for name in names) else SOURCE_WINDOWS_EVENT
    if defender_row(document)[0] is not None:
        return SOURCE_DEFENDER
    return SOURCE_ELASTIC  # Sysmon-through-ECS is told apart after the ECS walk (see DocumentReader)
