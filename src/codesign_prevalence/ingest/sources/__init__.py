"""Source adapters: each source's documents -> the same extracted fields, in Python on the executors.

One module per source beside the shared record and the detection:

- :mod:`.record`: the columns every adapter fills (:class:`~.record.Fields`, :data:`~.record.OUTPUT_COLUMNS`),
  the source names and record kinds, and the small text helpers the adapters share;
- :mod:`.detect`: which source a document is (``--source auto``) and the source modes;
- :mod:`.sysmon` (raw Sysmon JSON), :mod:`.sysmon_ecs` (Sysmon through Elastic Agent / Winlogbeat),
  :mod:`.defender` (Defender advanced hunting), :mod:`.codeintegrity` (Windows Code Integrity through
  Winlogbeat / Elastic Agent); Elastic Defend needs no adapter of its own (its ECS fields are the columns);
- :mod:`.document`: :class:`~.document.DocumentReader`, which reads one JSON line with its source's adapter.

Every document is read into the columns of :data:`~.record.ALL_FIELDS` (named after the Elastic Defend ECS
fields they come from), the certificate columns only some adapters fill, plus four of the adapters' own:

- ``_source``: where the document came from (``elastic_defend``, ``sysmon_ecs``, ``sysmon``,
  ``windows_event``, ``defender``, ``codeintegrity``);
- ``_record``: what it is for the ingest. ``process_start`` (a bronze row), ``signature`` (a record that
  carries the signature of a process start: Sysmon's Event ID 7 of a process's own image, Defender's
  ``DeviceFileCertificateInfo``), ``codeintegrity_event`` / ``codeintegrity_signature`` (a Code Integrity
  enforcement event and a 3089), ``other`` (skipped), or null for Elastic Defend documents, which the
  classifier tells by ``event.category``/``event.type``;
- ``_join_key``: the key that joins a record to its signature record (Sysmon: host, ProcessGuid and
  image path, lower case; Defender: SHA1; Code Integrity: host and activity id);
- ``_detail``: what only one source has, as JSON text (Code Integrity's policy, levels and status).

``--source auto`` decides per document (:func:`~.detect.detect`); a forced source reads every document with
that source's adapter, and a document it cannot read is quarantined as ``not_<source>_document``.
"""
