"""The Python half of the ingest per event, without Spark: read, parse + extract, classify + Arrow.

    .venv/bin/python benchmarks/bench_parse.py [--hosts 200] [--days 3] [--seed 1] [--input FILE] [--repeat 3]

The reader's Python tasks do three things to every line, one after the other, on one core each; this
times each on its own, in this one process, on the lines of a generated fleet (or of ``--input``):

- **read**: inflate the gzip stream, split it into lines and decode them into runs of numbered lines
  (``reader.line_runs``; before session 14 the step also built Arrow batches of the lines);
- **parse + extract**: one JSON document -> the ingest's columns (``DocumentReader.extract``), and beside it
  the same by the parsed road alone (``load_document`` + ``DocumentReader.adapt``: orjson and a walk over
  the dicts, what every line took before msgspec's typed road), to compare the two in one run;
- **classify + Arrow**: the columns -> each line's fate and typed row, and the Arrow batch of rows
  (``LineClassifier.rows_of``, with the extraction replayed from the step before so that it is not counted
  twice).

Each step runs ``--repeat`` times and the fastest run is kept (the machine is shared: the fastest run is
the one least disturbed). Prints microseconds per line of each step, and their sum. To time an older commit
on the same lines: ``git archive COMMIT src | tar -x -C /tmp/base`` and run this file (of that commit:
the reader's interface changed in session 14) with ``PYTHONPATH=/tmp/base/src``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from codesign_prevalence.config import IngestConfig
from codesign_prevalence.ingest.classify import LineClassifier, Rules
from codesign_prevalence.ingest.extract import load_document
from codesign_prevalence.ingest.reader import LineRun, ReaderLimits, line_runs
from codesign_prevalence.ingest.sources.document import DocumentReader
from codesign_prevalence.simulator import generate_fleet

Extracted = tuple[list[str | None], str | None, bool]


class _Replay:
    """Stands in for the classifier's document reader: gives back extractions made beforehand, in order."""

    def __init__(self, extracted: list[Extracted]) -> None:
        self._extracted = extracted
        self._next: Iterator[Extracted] = iter(extracted)

    def rewind(self) -> None:
        self._next = iter(self._extracted)

    def extract(self, _text: str | None) -> Extracted:
        return next(self._next)


def _fastest(repeat: int, step: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs of ``step``, in seconds of this process's CPU time.

    The garbage collector is off while a step runs, as it is in the classifying loop (``LineClassifier.rows``):
    a step that keeps what it makes would otherwise pay for collections the ingest does not run.
    """
    best = float("inf")
    for _ in range(repeat):
        gc.disable()
        try:
            started = time.process_time()
            step()
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
    return best


def _input(args: argparse.Namespace, scratch: Path) -> Path:
    if args.input:
        return Path(args.input)
    fleet = generate_fleet(scratch / "fleet", hosts=args.hosts, days=args.days, seed=args.seed)
    return fleet.events_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--input", help="an NDJSON(.gz) file to read instead of a generated Elastic Defend fleet")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    config = IngestConfig()
    limits = ReaderLimits(config.max_line_bytes, config.raw_quarantine_chars, config.arrow_batch_lines)
    rules = Rules(dt.datetime(2026, 12, 31), config.min_event_date, config.max_future_hours,
                  config.raw_quarantine_chars, config.source)
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as scratch:
        path = _input(args, Path(scratch))
        runs: list[LineRun] = []
        read = _fastest(args.repeat, lambda: runs.__setitem__(slice(None), line_runs(str(path), limits)))
    texts = [text for run in runs for text in run.texts]
    lines = len(texts)

    reader = DocumentReader(rules.source)

    def typed_road() -> None:
        for text in texts:
            reader.extract(text)

    def parsed_road() -> None:
        for text in texts:
            if text is not None and text.strip(" "):
                document, error = load_document(text)
                if error is None:
                    reader.adapt(document, text)  # type: ignore[arg-type]

    parse = _fastest(args.repeat, typed_road)
    parsed = _fastest(args.repeat, parsed_road)
    extracted = [reader.extract(text) for text in texts]  # for the replay below, not timed
    typed = getattr(reader._walker, "read_typed", None)  # None on commits before the typed road
    typed_share = sum(typed(text) is not None for text in texts if text) / lines if typed else 0.0

    classifier = LineClassifier(rules)
    replay = _Replay(extracted)
    classifier.reader = replay  # type: ignore[assignment]

    def classify() -> None:
        replay.rewind()
        for run in runs:
            classifier.rows_of(run)

    classified = _fastest(args.repeat, classify)

    load = os.getloadavg()[0]
    print(f"{lines:,} lines of {path.name} ({'given' if args.input else 'generated'}), fastest of "
          f"{args.repeat}, CPU time of one process; 1-minute load {load:.2f}")
    steps = {"read (inflate, split, decode)": read, "parse + extract": parse, "classify + Arrow": classified}
    for name, seconds in steps.items():
        print(f"  {name:<36} {seconds / lines * 1e6:7.1f} us/line  ({seconds:6.2f} s)")
    total = sum(steps.values())
    print(f"  {'total':<36} {total / lines * 1e6:7.1f} us/line  ({lines / total:,.0f} lines/s on one core)")
    print(f"  {'(parse + extract by the parsed road)':<36} {parsed / lines * 1e6:7.1f} us/line  ({parsed:6.2f} s); "
          f"the typed road read {typed_share:.1%} of the lines")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
