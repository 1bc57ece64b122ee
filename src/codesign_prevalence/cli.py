"""The command line: ``codesign-prevalence [--conf FILE] [--set KEY=VALUE]... COMMAND [options]``.

User errors (bad paths, bad configuration, stages run out of order) print one line on stderr and exit
with status 2; nothing else about them is shown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from codesign_prevalence import __version__
from codesign_prevalence.config import load_config
from codesign_prevalence.errors import UserError
from codesign_prevalence.features.normalize import STATUS_CATEGORIES
from codesign_prevalence.jobs.context import JobContext, parse_date
from codesign_prevalence.jobs.printing import FORMATS
from codesign_prevalence.models.intel import INTEL_STATUSES
from codesign_prevalence.models.verdicts import VERDICTS

PROG = "codesign-prevalence"


def _add_as_of(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of",
        type=str,
        default=None,
        metavar="DATE",
        help="YYYY-MM-DD; defaults to the date of the newest ingested event",
    )


def _add_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--source",
        choices=("auto", "elastic", "sysmon", "defender", "codeintegrity"),
        default=None,
        help="what the input is (sets ingest.source): auto decides per document (the default)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Rank rare signed Windows binaries across a fleet (MITRE ATT&CK T1588.003).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--conf", metavar="FILE", help="YAML configuration file (defaults are built in)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one configuration key, e.g. --set storage.root=/data/lake",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="print only results and errors")
    parser.add_argument("--verbose", "-v", action="store_true", help="print more detail")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    generate = commands.add_parser(
        "generate", help="write a synthetic fleet: DIR/events.ndjson.gz + labels.csv"
    )
    generate.add_argument("--out", required=True, metavar="DIR")
    generate.add_argument("--hosts", type=int, default=200)
    generate.add_argument("--days", type=int, default=14)
    generate.add_argument("--seed", type=int, default=7)
    generate.add_argument(
        "--format",
        choices=("elastic", "sysmon", "sysmon_ecs", "defender"),
        default="elastic",
        help="write the events as Elastic Defend (default), raw Sysmon JSON, Sysmon via ECS, or Defender rows",
    )
    generate.add_argument(
        "--codeintegrity",
        action="store_true",
        help="also write DIR/codeintegrity.ndjson.gz: WDAC audit-mode events (3076 + 3089) of a quarter of the hosts",
    )
    generate.add_argument(
        "--end-date",
        type=str,
        default=None,
        metavar="DATE",
        help="last day of the fleet's activity (default 2026-11-26)",
    )
    generate.add_argument("--events-per-host-day", type=float, default=120.0)

    ingest = commands.add_parser("ingest", help="read NDJSON (.gz) files or folders into bronze")
    ingest.add_argument("--input", nargs="+", required=True, metavar="PATH")
    _add_source(ingest)

    features = commands.add_parser("features", help="seed-rule matches and prevalence features")
    _add_as_of(features)
    train = commands.add_parser("train", help="train the IsolationForest and register it in MLflow")
    _add_as_of(train)
    score = commands.add_parser("score", help="score the candidates into gold/scored_binaries")
    _add_as_of(score)
    score.add_argument("--model-alias", default="champion")
    score.add_argument(
        "--rescore-since",
        default=None,
        metavar="DATE",
        help="also re-score the earlier as-of dates from DATE on whose certificate intel changed",
    )
    compare = commands.add_parser("compare", help="compare @champion and @challenger on the same candidates")
    _add_as_of(compare)
    compare.add_argument("--promote", action="store_true")
    evaluate = commands.add_parser("evaluate", help="precision/recall against a labels file")
    evaluate.add_argument("--labels", required=True, metavar="FILE")
    _add_as_of(evaluate)
    report = commands.add_parser("report", help="HTML + PNG report of a run, logged to its MLflow scoring run")
    _add_as_of(report)
    report.add_argument(
        "--out", default=None, metavar="DIR", help="where to write it (default: <storage.root>/reports/<as-of>)"
    )
    run = commands.add_parser("run", help="ingest -> features -> train (if no model) -> score -> report")
    run.add_argument("--input", nargs="+", required=True, metavar="PATH")
    _add_source(run)
    _add_as_of(run)
    run.add_argument("--json", action="store_true", help="print a JSON summary on stdout at the end")
    _add_sql(commands)
    _add_verdict(commands)
    _add_intel(commands)
    _accept_global_options_after_command(commands)
    return parser


def _add_output_options(parser: argparse.ArgumentParser, limit: int) -> None:
    parser.add_argument("--limit", type=int, default=limit, metavar="N", help=f"rows shown (default {limit}; 0 = all)")
    parser.add_argument("--format", dest="output_format", choices=FORMATS, default="table")
    parser.add_argument(
        "--max-width", type=int, default=80, metavar="N", help="cut table cells at N characters (0 = never)"
    )


def _add_sql(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sql = commands.add_parser("sql", help="query the lakehouse tables (and the 'alerts' view) with Spark SQL")
    sql.add_argument("query", metavar="QUERY", help="one Spark SQL query; :name markers take --param values")
    sql.add_argument(
        "--param", dest="params", action="append", default=[], metavar="NAME=VALUE", help="bind :NAME to VALUE"
    )
    _add_output_options(sql, limit=50)


def _add_verdict(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verdict = commands.add_parser("verdict", help="record or list analysts' verdicts (ops/verdicts)")
    actions = verdict.add_subparsers(dest="verdict_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="append a verdict; the next 'score' applies it")
    scope = add.add_mutually_exclusive_group(required=True)
    scope.add_argument("--sha256", metavar="HASH", help="the verdict covers this file")
    scope.add_argument(
        "--signer", metavar="SUBJECT", help="the verdict covers this signer's binaries (matched by canonical name)"
    )
    add.add_argument("--thumbprint", metavar="HEX", help="with --signer: only binaries with this certificate")
    add.add_argument(
        "--status",
        choices=STATUS_CATEGORIES,
        metavar="STATUS",
        help=f"with --signer: the certificate status category it is given for ({', '.join(STATUS_CATEGORIES)}; "
        "default: the one its binaries have in the newest gold/candidates)",
    )
    add.add_argument("--verdict", required=True, choices=VERDICTS)
    add.add_argument("--note", required=True, metavar="TEXT", help="why")
    add.add_argument("--expires", metavar="DATE", help="last as-of date it covers (YYYY-MM-DD; default never)")
    add.add_argument("--analyst", metavar="NAME", help="who (default $USER)")
    listing = actions.add_parser("list", help="show the active verdicts (all of them with --all)")
    listing.add_argument("--all", dest="show_all", action="store_true", help="expired ones too")
    _add_output_options(listing, limit=100)


def _add_intel(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    intel = commands.add_parser("intel", help="record or list certificate intelligence (ops/certificate_intel)")
    actions = intel.add_subparsers(dest="intel_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="append one entry; 'score' applies it ('score --rescore-since' to the past)")
    certificate = add.add_mutually_exclusive_group(required=True)
    certificate.add_argument("--thumbprint", metavar="HEX", help="the certificate's SHA-1 or SHA-256 thumbprint")
    certificate.add_argument("--serial", metavar="HEX", help="the certificate's serial number (with --issuer)")
    certificate.add_argument("--signer", metavar="NAME", help="every certificate of this signer (canonical name)")
    add.add_argument("--issuer", metavar="NAME", help="with --serial: the issuer's name")
    add.add_argument("--status", required=True, choices=INTEL_STATUSES)
    add.add_argument("--effective", required=True, metavar="DATE", help="from which as-of date it holds (YYYY-MM-DD)")
    add.add_argument(
        "--source", dest="intel_source", required=True, metavar="TEXT", help="where it comes from (a feed, a ticket)"
    )
    add.add_argument("--note", metavar="TEXT", help="why, or anything else worth keeping")
    add.add_argument("--by", metavar="NAME", help="who (default $USER)")
    load = actions.add_parser("import", help="append the entries of a CSV or JSON file (all checked first)")
    load.add_argument("file", metavar="FILE", help="CSV with a header row, or a JSON list of objects")
    load.add_argument("--by", metavar="NAME", help="who (default $USER)")
    listing = actions.add_parser("list", help="show every entry, newest first")
    _add_output_options(listing, limit=100)


def _accept_global_options_after_command(commands: argparse._SubParsersAction) -> None:
    """``COMMAND ... --set K=V --conf F --quiet`` works as well as before the command (Databricks wheel tasks
    and spark-submit pass the command first). Given twice, the later ``--conf``/``--set`` wins."""
    for command in commands.choices.values():
        group = command.add_argument_group("options also accepted before the command")
        group.add_argument("--conf", default=argparse.SUPPRESS, metavar="FILE", help="as before the command")
        group.add_argument(
            "--set", dest="overrides_after", action="append", default=argparse.SUPPRESS, metavar="KEY=VALUE",
            help="as before the command",
        )
        group.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS, help="as before")
        group.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS, help="as before")


def overrides_of(args: argparse.Namespace) -> list[str]:
    """The ``--set`` values given before the command, then those given after it."""
    return [*args.overrides, *getattr(args, "overrides_after", [])]


def _generate(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.simulator import generate_fleet
    from codesign_prevalence.simulator.fleet import check_arguments

    try:
        check_arguments(args.hosts, args.days, args.events_per_host_day)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    options: dict[str, object] = {
        "hosts": args.hosts,
        "days": args.days,
        "seed": args.seed,
        "events_per_host_day": args.events_per_host_day,
    }
    if args.end_date:
        options["end_date"] = parse_date(args.end_date)
    with context.stage("generate") as counts:
        summary = generate_fleet(Path(args.out), **options)  # type: ignore[arg-type]
        counts.update(
            lines=summary.lines_written, binaries=summary.binaries, malicious=summary.malicious_binaries
        )
        if args.codeintegrity:  # read from the Elastic Defend stream, before it is rewritten
            from codesign_prevalence.simulator.certificates import CERTIFICATES_FILE, load_registry
            from codesign_prevalence.simulator.codeintegrity import write_codeintegrity

            registry = load_registry(summary.events_path.with_name(CERTIFICATES_FILE))
            ci_path, ci_lines = write_codeintegrity(summary.events_path, registry, args.seed)
            counts.update(codeintegrity_lines=ci_lines)
        if args.format != "elastic":
            from codesign_prevalence.simulator.formats import rewrite_fleet

            written = rewrite_fleet(summary.events_path, args.format)
            counts.update(format=args.format, format_lines=written.lines_out)
    context.say(f"  events: {summary.events_path}")
    context.say(f"  labels: {summary.labels_path}")
    if args.codeintegrity:
        context.say(f"  code integrity: {ci_path}")
    return 0


def _ingest(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import ingest

    ingest.run(context, args.input)
    return 0


def _as_of(args: argparse.Namespace) -> dt.date | None:
    return parse_date(args.as_of) if args.as_of else None


def _features(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import features

    features.run(context, _as_of(args))
    return 0


def _train(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import train

    train.run(context, _as_of(args))
    return 0


def _score(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import score

    since = parse_date(args.rescore_since) if args.rescore_since else None
    score.run(context, _as_of(args), args.model_alias, since)
    return 0


def _compare(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import compare

    compare.run(context, _as_of(args), args.promote)
    return 0


def _evaluate(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import evaluate

    labels = Path(args.labels)
    if not labels.is_file():
        raise UserError(f"labels file not found: {labels}")
    evaluate.run(context, labels, _as_of(args))
    return 0


def _report(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import report

    result = report.run(context, _as_of(args), Path(args.out) if args.out else None)
    print(result.path)
    return 0


def _run(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import run

    summary = run.run(context, args.input, _as_of(args), show=not args.json)
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True, default=str))
    else:
        print(summary["report"]["path"])  # type: ignore[index]
    return 0


def _sql(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import sql

    _check_output_options(args)
    sql.run(context, args.query, sql.parse_params(args.params), args.limit, args.output_format, args.max_width)
    return 0


def _verdict(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import verdict

    if args.verdict_command == "list":
        _check_output_options(args)
        verdict.show(context, args.show_all, args.limit, args.output_format, args.max_width)
        return 0
    request = verdict.VerdictRequest(
        verdict=args.verdict,
        note=args.note,
        sha256=args.sha256,
        signer=args.signer,
        thumbprint=args.thumbprint,
        status=args.status,
        expires=parse_date(args.expires) if args.expires else None,
        analyst=args.analyst,
    )
    row = verdict.add(context, request)
    print(row["verdict_id"])
    return 0


def _intel(context: JobContext, args: argparse.Namespace) -> int:
    from codesign_prevalence.jobs import intel

    if args.intel_command == "list":
        _check_output_options(args)
        intel.show(context, args.limit, args.output_format, args.max_width)
        return 0
    if args.intel_command == "import":
        report = intel.import_file(context, Path(args.file), args.by)
    else:
        request = intel.IntelRequest(
            status=args.status,
            effective=parse_date(args.effective),
            source=args.intel_source,
            thumbprint=args.thumbprint,
            serial=args.serial,
            issuer=args.issuer,
            signer=args.signer,
            note=args.note,
        )
        report = intel.add(context, request, args.by)
    for intel_id in report.intel_ids:
        print(intel_id)
    return 0


def _check_output_options(args: argparse.Namespace) -> None:
    if args.limit < 0 or args.max_width < 0:
        raise UserError("--limit and --max-width take a number >= 0")


HANDLERS: dict[str, Callable[[JobContext, argparse.Namespace], int]] = {
    "generate": _generate,
    "ingest": _ingest,
    "features": _features,
    "train": _train,
    "score": _score,
    "compare": _compare,
    "evaluate": _evaluate,
    "report": _report,
    "run": _run,
    "sql": _sql,
    "verdict": _verdict,
    "intel": _intel,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        source = getattr(args, "source", None)
        config = load_config(args.conf, [*overrides_of(args), *([f"ingest.source={source}"] if source else [])])
        verbosity = 0 if args.quiet else 2 if args.verbose else 1
        context = JobContext(config=config, verbosity=verbosity, reads=tuple(getattr(args, "input", None) or ()))
        return HANDLERS[args.command](context, args)
    except UserError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
