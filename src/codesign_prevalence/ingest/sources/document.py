"""One JSON line -> the output columns, read with the adapter of its source (detected, or forced)."""

from __future__ import annotations

from typing import Any

from codesign_prevalence.ingest.extract import FieldExtractor, load_document
from codesign_prevalence.ingest.sources.codeintegrity import (
    CODEINTEGRITY_FIELDS,
    adapt_codeintegrity,
    is_codeintegrity,
)
from codesign_prevalence.ingest.sources.defender import adapt_defender
from codesign_prevalence.ingest.sources.detect import (
    DETECTION_KEYS,
    MODE_AUTO,
    MODE_CODEINTEGRITY,
    MODE_DEFENDER,
    MODE_SYSMON,
    REASON_NOT_SOURCE,
    SOURCE_MODES,
    detect,
)
from codesign_prevalence.ingest.sources.record import (
    ADAPTER_CERTIFICATE_COLUMNS,
    ALL_FIELDS,
    OUTPUT_COLUMNS,
    SOURCE_DEFENDER,
    SOURCE_ELASTIC,
    SOURCE_SYSMON,
    SOURCE_WINDOWS_EVENT,
)
from codesign_prevalence.ingest.sources.sysmon import adapt_raw_sysmon
from codesign_prevalence.ingest.sources.sysmon_ecs import SYSMON_ECS_FIELDS, adapt_sysmon_ecs, is_sysmon_ecs
from codesign_prevalence.schema import REASON_NOT_OBJECT

# Every field the ECS walk reads: Elastic Defend's (the output columns' own), then the shippers' extras.
WALKED_FIELDS: dict[str, str] = {**ALL_FIELDS, **SYSMON_ECS_FIELDS, **CODEINTEGRITY_FIELDS}
_WALKED = {name: index for index, name in enumerate(WALKED_FIELDS)}


class DocumentReader:
    """Reads one JSON line into :data:`~.record.OUTPUT_COLUMNS` with the adapter of its source.

    ``mode`` is ``auto`` (decide per document), or a forced ``elastic``/``sysmon``/``defender``/
    ``codeintegrity``. Same
    contract as :class:`~codesign_prevalence.ingest.extract.FieldExtractor`: ``extract(text)`` gives
    (values, parse error or None, whether the line is blank).
    """

    def __init__(self, mode: str = MODE_AUTO) -> None:
        if mode not in SOURCE_MODES:
            raise ValueError(f"unknown source {mode!r}; expected one of {', '.join(SOURCE_MODES)}")
        self.mode = mode
        self.names = list(OUTPUT_COLUMNS)
        self._walker = FieldExtractor(WALKED_FIELDS, document_keys=DETECTION_KEYS)
        self._elastic_width = len(ALL_FIELDS)
        self._no_certificate = [None] * len(ADAPTER_CERTIFICATE_COLUMNS)

    def extract(self, text: str | None) -> tuple[list[str | None], str | None, bool]:
        if text is None or text.strip(" ") == "":
            return [None] * len(self.names), None, True
        # An ECS document (none of the keys detection looks at) needs no parsed document: its walked fields
        # are all the adapters read, and msgspec gives them without building the document (a Defender row
        # always needs it).
        walked = self._walker.read_typed(text) if self.mode != MODE_DEFENDER else None
        if walked is not None:
            values, error = self._read_walked(walked)
            return values, error, False
        return self.extract_parsed(text)

    def extract_parsed(self, text: str) -> tuple[list[str | None], str | None, bool]:
        """:meth:`extract` of a non-blank line by the parsed road: the whole document parsed, then adapted."""
        document, error = load_document(text)
        if error is not None:
            return [None] * len(self.names), error, False
        assert isinstance(document, dict)
        values, error = self.adapt(document, text)
        return values, error, False

    def adapt(self, document: dict[str, Any], text: str = "") -> tuple[list[str | None], str | None]:
        """(output values, quarantine reason or None) of one parsed JSON object."""
        mode = self.mode
        detected = detect(document) if mode == MODE_AUTO else None
        if mode == MODE_DEFENDER or detected == SOURCE_DEFENDER:
            adapted = adapt_defender(document)
            if adapted is None:
                return self._not_source(mode)
            return adapted, None
        if mode == MODE_CODEINTEGRITY and "EventID" in document:  # raw Windows event JSON: not Winlogbeat's
            return self._not_source(mode)
        if mode == MODE_SYSMON and "EventID" in document:
            detected = detect(document)
        if detected in (SOURCE_SYSMON, SOURCE_WINDOWS_EVENT):
            return adapt_raw_sysmon(document, detected), None
        return self._read_walked(self._walker.walk(document, text))

    def _read_walked(self, walked: list[str | None]) -> tuple[list[str | None], str | None]:
        """(output values, quarantine reason or None) of an ECS document from its walked fields
        (:data:`WALKED_FIELDS`): Sysmon through ECS, Code Integrity, or Elastic Defend."""
        mode = self.mode

        def get(name: str) -> str | None:
            return walked[_WALKED[name]]

        if mode in (MODE_AUTO, MODE_SYSMON) and is_sysmon_ecs(get):
            return adapt_sysmon_ecs(get), None
        if mode in (MODE_AUTO, MODE_CODEINTEGRITY) and is_codeintegrity(get):
            return adapt_codeintegrity(get), None
        if mode in (MODE_SYSMON, MODE_CODEINTEGRITY):
            return self._not_source(mode)
        values = [*walked[: self._elastic_width], *self._no_certificate, SOURCE_ELASTIC, None, None, None]
        return values, None

    def _not_source(self, mode: str) -> tuple[list[str | None], str | None]:
        return [None] * len(self.names), REASON_NOT_SOURCE.format(mode=mode)


def adapt_document(document: object, mode: str = MODE_AUTO) -> dict[str, str | None]:
    """One parsed document -> {column: text} (a convenience for tests and the README's examples)."""
    if not isinstance(document, dict):
        return {"_parse_error": REASON_NOT_OBJECT}
    values, error = DocumentReader(mode).adapt(document)
    result = dict(zip(OUTPUT_COLUMNS, values, strict=True))
    if error is not None:
        result["_parse_error"] = error
    return result
