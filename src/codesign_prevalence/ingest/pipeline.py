"""The ingest: files -> numbered lines -> classified records -> bronze (deduplicated) and quarantine.

Accounting, always: ``lines read = accepted + quarantined + duplicates + skipped + blank + signature
records``, where *duplicates* are process-start events whose id is already in bronze or appeared earlier in
the same batch, *skipped* are valid events that are not process starts (network, file, process end, a DLL
load, ...), and *signature records* are the records read only for the signature of a process start
(Sysmon's Event ID 7 of a process's own image, Defender's ``DeviceFileCertificateInfo`` rows).

Signatures are joined within one ingest run: a Sysmon process start whose image-load event arrives in a
later run keeps unknown (null) signature fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from codesign_prevalence.config import IngestConfig
from codesign_prevalence.errors import UserError
from codesign_prevalence.ingest.classify import ROWS_ARROW_SCHEMA, ROWS_DDL, Rules, classify_runs
from codesign_prevalence.ingest.parse import (
    OUTCOME_ACCEPTED,
    OUTCOME_BLANK,
    OUTCOME_CODEINTEGRITY,
    OUTCOME_CODEINTEGRITY_SIGNATURE,
    OUTCOME_FIELD_NULLED,
    OUTCOME_QUARANTINED,
    OUTCOME_SIGNATURE,
    OUTCOME_SKIPPED,
    codeintegrity_signatures,
    signature_records,
    to_bronze,
    to_codeintegrity,
    to_quarantine,
    with_signatures,
)
from codesign_prevalence.ingest.reader import ReaderLimits, runs_from_requests
from codesign_prevalence.ingest.sources.record import JOIN_KEY_COLUMN
from codesign_prevalence.schema import BRONZE_SCHEMA, CODEINTEGRITY_SCHEMA, QUARANTINE_SCHEMA
from codesign_prevalence.spark import default_parallelism, local_bytes
from codesign_prevalence.storage import (
    BRONZE_CODEINTEGRITY,
    BRONZE_EVENTS,
    BRONZE_QUARANTINE,
    DatesIn,
    Lakehouse,
)


@dataclass(frozen=True)
class IngestReport:
    files: int
    lines_read: int
    accepted: int
    quarantined: int
    duplicates: int
    skipped_not_process_start: int
    blank_lines: int
    signature_records: int
    quarantine_reasons: dict[str, int]
    newest_event_date: dt.date | None
    sources: dict[str, int]
    # Optional certificate values that could not be read and were left null (their events were kept), per
    # reason (``bad_timestamp:cs_not_after``...). Not lines: outside the accounting.
    fields_nulled: dict[str, int] = field(default_factory=dict)
    # New Code Integrity enforcement events written to bronze/codeintegrity_events (their duplicates are among
    # ``duplicates``, their 3089 signature records among ``signature_records``).
    codeintegrity_events: int = 0

    @property
    def balanced(self) -> bool:
        accounted = (
            self.accepted
            + self.codeintegrity_events
            + self.quarantined
            + self.duplicates
            + self.skipped_not_process_start
            + self.blank_lines
            + self.signature_records
        )
        return accounted == self.lines_read

    def as_dict(self) -> dict[str, object]:
        result = asdict(self)
        result["newest_event_date"] = self.newest_event_date.isoformat() if self.newest_event_date else None
        result["balanced"] = self.balanced
        return result


def classified_here(files: list[str], limits: ReaderLimits, rules: Rules, max_mb: float) -> pa.Table | None:
    """The classified rows of the files (:data:`~codesign_prevalence.ingest.classify.ROWS_ARROW_SCHEMA`), read
    in this process by the functions the tasks of :func:`read_classified` run, when the files are on this
    machine and hold at most ``max_mb`` together (``ingest.in_driver_max_mb``); else None. For a small input
    this saves starting Python workers and scheduling tasks, most of a small ingest's time in a new JVM."""
    limit = int(max_mb * 1024 * 1024)
    size = local_bytes(files, stop_above=limit) if limit > 0 else None
    if size is None or size > limit:
        return None
    request = pa.RecordBatch.from_pydict({"path": files}, schema=pa.schema([pa.field("path", pa.string())]))
    batches = classify_runs(rules)(runs_from_requests(limits)([request]))
    return pa.Table.from_batches(list(batches), schema=ROWS_ARROW_SCHEMA)


def read_classified(spark: SparkSession, files: list[str], limits: ReaderLimits, rules: Rules) -> DataFrame:
    """The classified rows of the files (:data:`~codesign_prevalence.ingest.classify.ROWS_DDL`).

    Files are read, parsed and classified by Python tasks, one task per file; with fewer files than cores,
    each file is read by several tasks that each parse their share of it (see
    :func:`~codesign_prevalence.ingest.reader.runs_from_requests`), so that parsing uses every core.
    """
    parallelism = default_parallelism(spark)
    parts = max(1, parallelism // len(files)) if len(files) < parallelism else 1
    tasks = len(files) * parts
    file_list = F.array(*[F.lit(path) for path in files])
    requests = spark.range(0, tasks, 1, numPartitions=max(1, min(tasks, 4 * parallelism))).select(
        F.element_at(file_list, (F.col("id") / parts).cast("int") + 1).alias("path"),
        (F.col("id") % parts).cast("int").alias("part"),
        F.lit(parts).alias("parts"),
    )
    classifier = classify_runs(rules)
    runs = runs_from_requests(limits)

    def read(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return classifier(runs(batches))

    return requests.mapInArrow(read, ROWS_DDL)


def _written_as_read(spark: SparkSession, files: int) -> bool:
    """Whether a new bronze is written by the tasks that read the files, one file per task and date, without a
    shuffle of every row by date: when they are at most two a core (:func:`read_classified` gives one task a
    file, or at most one a core when files are fewer than cores, so that is at most two files a core). On two
    cores a shuffle by a handful of dates left most of a million events' write to one or two tasks and cost a
    pass over every row (8.2 s for the write against 6.5 s without; benchmarks/README.md, "Session 21"); past
    two tasks a core the files per date would grow with the input's files, not with the cores."""
    return files <= 2 * default_parallelism(spark)


# Delta collects min/max statistics of the first 32 columns of every file it writes, for data skipping: about a
# quarter of the write's time for bronze's wide rows. Bronze is read by its event_date partitions (features,
# the rollup) and merged on event_id (random: min/max prune nothing), so only the time of day is kept for the
# analyst who filters a day's events by time. A bronze created before this keeps its statistics.
BRONZE_PROPERTIES = {"delta.dataSkippingStatsColumns": "timestamp"}

# How the run's classified rows (read five times) and its repeated ids are kept between the jobs that read them:
# on the executors' local disk, not in the JVM's heap. Held in memory, ten million events (a ~1.4 GB compressed
# cache) ran the default 4 GB heap out of memory in the dedupe's aggregation; on disk the same run took 317 s,
# and a million events took no longer (benchmarks/README.md, "Session 20"). The files are read back from the
# page cache, and removed when the run ends.
CACHE = StorageLevel.DISK_ONLY
# ... and uncompressed: the columnar cache's compression took 10-12 s of the JVM's CPU a million events (6-7 s
# without), beside the Python tasks on the same two cores, for files read back from the page cache and removed at
# the end of the run (~200 MB a million events instead of ~140 MB; benchmarks/README.md, "Session 21").
UNCOMPRESSED_CACHE = "spark.sql.inMemoryColumnarStorage.compressed"

# Up to this many event ids seen more than once in one run are broadcast to the rows that carry them;
# past it (a run that repeats most of its events) the rows are deduplicated by a shuffle of them all.
BROADCAST_DUPLICATE_IDS = 1_000_000
# Below this many accepted events one shuffle of whole rows costs less than the extra job that counts ids.
SHUFFLE_ALL_BELOW_EVENTS = 100_000


def _first_of_each_id(bronze_rows: DataFrame) -> DataFrame:
    """One row per event id; of identical ids the first by (source file, line) wins, so reruns agree."""
    first = Window.partitionBy("event_id").orderBy(F.col("source_file"), F.col("line_number"))
    return (
        bronze_rows.withColumn("_rank", F.row_number().over(first))
        .where(F.col("_rank") == F.lit(1))
        .select(*[F.col(field.name) for field in BRONZE_SCHEMA.fields])
    )


def repeated_ids(bronze_rows: DataFrame) -> DataFrame:
    """The event ids that occur more than once among ``bronze_rows`` (a shuffle of the ids alone)."""
    return (
        bronze_rows.groupBy("event_id")
        .agg(F.count(F.lit(1)).alias("copies"))
        .where(F.col("copies") > F.lit(1))
        .select("event_id")
    )


def deduplicated(bronze_rows: DataFrame, repeated: DataFrame) -> DataFrame:
    """:func:`_first_of_each_id`, paying the shuffle of whole rows only for the ids that occur more than once.

    ``repeated`` holds those ids (:func:`repeated_ids`, persisted by the caller). The rows of ids seen once
    pass as they are; only the rows of repeated ids, found through a broadcast of those ids, are ranked.
    """
    if repeated.count() > BROADCAST_DUPLICATE_IDS:
        return _first_of_each_id(bronze_rows)
    ids = F.broadcast(repeated)
    once = bronze_rows.join(ids, on="event_id", how="left_anti").select(*BRONZE_SCHEMA.names)
    return once.unionByName(_first_of_each_id(bronze_rows.join(ids, on="event_id", how="left_semi")))


def ingest_files(
    spark: SparkSession,
    lakehouse: Lakehouse,
    files: list[str],
    config: IngestConfig,
    now: dt.datetime | None = None,
) -> IngestReport:
    """Ingest NDJSON files (plain or gzip; see :func:`expand_inputs` for folders) into bronze and quarantine."""
    ingested_at = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None)
    limits = ReaderLimits(config.max_line_bytes, config.raw_quarantine_chars, config.arrow_batch_lines)
    rules = Rules(
        ingested_at, config.min_event_date, config.max_future_hours, config.raw_quarantine_chars, config.source
    )
    # Only what is written is kept: typed bronze columns, signature verdicts, quarantined lines, counts.
    here = classified_here(files, limits, rules, config.in_driver_max_mb)
    if here is not None:  # a small input, classified by this process: its rows are in the JVM's memory already
        held = spark.createDataFrame(here)  # in few partitions: a new bronze is written as they lie
        return _write(spark, lakehouse, held, _outcomes_of_table(here), files, ingested_at, shuffle=False)
    rows: DataFrame | None = None
    try:
        with _session_setting(spark, UNCOMPRESSED_CACHE, "false"):  # read as the cache is declared and built
            rows = read_classified(spark, files, limits, rules).persist(CACHE)
            summary = _outcomes(rows)
        shuffle = not _written_as_read(spark, len(files))
        return _write(spark, lakehouse, rows, summary, files, ingested_at, shuffle)
    finally:
        if rows is not None:
            rows.unpersist()


@contextmanager
def _session_setting(spark: SparkSession, key: str, value: str) -> Iterator[None]:
    """The session's SQL setting ``key`` at ``value`` for the length of the block, then as it was; left as it
    is where the session refuses to change it (a serverless session allows only some settings)."""
    changed, before = False, None
    try:
        before = spark.conf.get(key, None)
        spark.conf.set(key, value)
        changed = True
    except Exception:  # a setting for speed only: the run goes on without it
        pass
    try:
        yield
    finally:
        if changed:
            if before is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, before)


@dataclass(frozen=True)
class _Outcomes:
    counts: dict[str, int]
    reasons: dict[str, int]
    accepted_dates: list[dt.date]
    sources: dict[str, int]
    nulled: dict[str, int]


_OUTCOME_GROUP = ("outcome", "reason", "event_date", "source")


def _outcomes(rows: DataFrame) -> _Outcomes:
    """Lines per outcome, quarantined lines per reason and the dates of accepted events, in one pass."""
    groups = rows.groupBy(*_OUTCOME_GROUP).agg(F.sum("lines").alias("count")).collect()
    return _summary([row.asDict() for row in groups])


def _outcomes_of_table(rows: pa.Table) -> _Outcomes:
    """:func:`_outcomes` of rows held here, by Arrow's own grouping."""
    groups = rows.group_by(list(_OUTCOME_GROUP), use_threads=False).aggregate([("lines", "sum")])
    return _summary([{**group, "count": group["lines_sum"]} for group in groups.to_pylist()])


def _summary(rows_: list[dict[str, Any]]) -> _Outcomes:
    """:class:`_Outcomes` from the sums of lines per outcome, reason, event date and source."""
    counts: dict[str, int] = {}
    reasons: dict[str, int] = {}
    sources: dict[str, int] = {}
    nulled: dict[str, int] = {}
    for row in rows_:
        if row["outcome"] == OUTCOME_FIELD_NULLED:
            nulled[row["reason"]] = nulled.get(row["reason"], 0) + int(row["count"])
            continue
        counts[row["outcome"]] = counts.get(row["outcome"], 0) + int(row["count"])
        if row["outcome"] == OUTCOME_QUARANTINED:
            reasons[row["reason"]] = reasons.get(row["reason"], 0) + int(row["count"])
        if row["source"] is not None:
            sources[row["source"]] = sources.get(row["source"], 0) + int(row["count"])
    dates = sorted(
        {row["event_date"] for row in rows_ if row["event_date"] is not None and row["outcome"] == OUTCOME_ACCEPTED}
    )
    return _Outcomes(counts, reasons, dates, dict(sorted(sources.items())), dict(sorted(nulled.items())))


def _write(
    spark: SparkSession,
    lakehouse: Lakehouse,
    rows: DataFrame,
    summary: _Outcomes,
    files: list[str],
    ingested_at: dt.datetime,
    shuffle: bool,
) -> IngestReport:
    """Write the classified ``rows`` (their counts in ``summary``) to bronze, the quarantine and the Code
    Integrity events; a new bronze's rows are shuffled by date first when ``shuffle``
    (:func:`~codesign_prevalence.storage.create_with`)."""
    outcomes, reasons, dates = summary.counts, summary.reasons, summary.accepted_dates
    lines_read = sum(outcomes.values())
    if lines_read == 0:
        raise UserError(f"the input has no lines to ingest ({len(files)} empty file(s))")

    accepted_rows = to_bronze(rows, ingested_at, keep=("line_number", JOIN_KEY_COLUMN))
    if outcomes.get(OUTCOME_SIGNATURE, 0):
        accepted_rows = with_signatures(accepted_rows, signature_records(rows))

    partitions, properties = ("event_date",), BRONZE_PROPERTIES

    def insert_bronze(unique: DataFrame) -> int:
        prune = DatesIn("event_date", dates)
        return lakehouse.insert_new(
            BRONZE_EVENTS, BRONZE_SCHEMA, unique, ["event_id"], prune, partitions, properties, shuffle
        )

    inserted = 0
    if not dates:  # nothing accepted: bronze exists all the same, for the stages that read it
        lakehouse.ensure(spark, BRONZE_EVENTS, BRONZE_SCHEMA, partitions, properties)
    elif outcomes.get(OUTCOME_ACCEPTED, 0) < SHUFFLE_ALL_BELOW_EVENTS:
        inserted = insert_bronze(_first_of_each_id(accepted_rows))
    else:
        repeated = repeated_ids(accepted_rows).persist(CACHE)
        try:
            inserted = insert_bronze(deduplicated(accepted_rows, repeated))
        finally:
            repeated.unpersist()

    codeintegrity_read = outcomes.get(OUTCOME_CODEINTEGRITY, 0)
    codeintegrity_inserted = _write_codeintegrity(lakehouse, rows, ingested_at) if codeintegrity_read else 0

    if outcomes.get(OUTCOME_QUARANTINED, 0):
        keys = ["source_file", "line_number", "raw_sha256"]
        lakehouse.insert_new(BRONZE_QUARANTINE, QUARANTINE_SCHEMA, to_quarantine(rows, ingested_at), keys)
    else:  # the table is there to query, with or without lines in it
        lakehouse.ensure(spark, BRONZE_QUARANTINE, QUARANTINE_SCHEMA)

    accepted_total = outcomes.get(OUTCOME_ACCEPTED, 0)
    return IngestReport(
        files=len(files),
        lines_read=lines_read,
        accepted=inserted,
        quarantined=outcomes.get(OUTCOME_QUARANTINED, 0),
        duplicates=accepted_total - inserted + codeintegrity_read - codeintegrity_inserted,
        skipped_not_process_start=outcomes.get(OUTCOME_SKIPPED, 0),
        blank_lines=outcomes.get(OUTCOME_BLANK, 0),
        signature_records=outcomes.get(OUTCOME_SIGNATURE, 0) + outcomes.get(OUTCOME_CODEINTEGRITY_SIGNATURE, 0),
        quarantine_reasons=dict(sorted(reasons.items())),
        newest_event_date=max(dates) if dates else None,
        sources=summary.sources,
        fields_nulled=summary.nulled,
        codeintegrity_events=codeintegrity_inserted,
    )


def _write_codeintegrity(lakehouse: Lakehouse, rows: DataFrame, ingested_at: dt.datetime) -> int:
    """Insert the run's new Code Integrity enforcement events (one per event id, the first by file and line)
    into bronze/codeintegrity_events, with their 3089 signature information; return how many were new."""
    signatures = codeintegrity_signatures(rows)
    events = to_codeintegrity(rows, ingested_at, signatures)
    first = Window.partitionBy("event_id").orderBy(F.col("source_file"), F.col("line_number"))
    unique = (
        events.withColumn("_rank", F.row_number().over(first))
        .where(F.col("_rank") == F.lit(1))
        .select(*CODEINTEGRITY_SCHEMA.names)
    )
    return lakehouse.insert_new(
        BRONZE_CODEINTEGRITY, CODEINTEGRITY_SCHEMA, unique, ["event_id"], partition_by=("event_date",)
    )
