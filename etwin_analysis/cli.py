"""The ``etwin`` command: ``validate``, ``import``, ``synth`` and ``run``.

Every expected failure ends with a clear message on stderr and a non-zero exit code, never a
traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etwin_analysis import __version__


def _validate(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="etwin validate",
        description="Validate a data directory against the contract (data/README.md) and "
        "print every problem with its file, row, column and reason.",
    )
    parser.add_argument("path", help="data directory (CSV or Parquet tables)")
    parser.add_argument("--encoding", default="utf-8", help="text encoding of CSV files")
    parser.add_argument(
        "--drop",
        action="store_true",
        help="set bad rows aside (with reasons) instead of failing; exits 0 if rows remain",
    )
    parser.add_argument(
        "--rejects",
        default="rejected",
        help="with --drop: folder for rejected_rows.csv and load_report.csv (default: ./rejected)",
    )
    args = parser.parse_args(argv)
    from etwin_analysis.dataset import DataValidationError, load_dataset

    try:
        ds = load_dataset(
            args.path,
            encoding=args.encoding,
            on_error="drop" if args.drop else "raise",
            rejects_dir=args.rejects if args.drop else None,
        )
    except DataValidationError as exc:
        print(f"INVALID: {exc}", file=sys.stderr)
        return 1
    print(f"{args.path}: {'synthetic' if ds.is_synthetic else 'user'} data, sha256 {ds.checksum}")
    print(ds.report.summary())
    if args.drop and ds.report.problems:
        print(f"rejected rows and reasons written to {Path(args.rejects) / 'rejected_rows.csv'}")
    return 0


def _import(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="etwin import",
        description="Map a real export into the data contract (etwin_analysis.adapters), print "
        "the account of every row (read = loaded + rejected) and write the result.",
    )
    sub = parser.add_subparsers(dest="kind", required=True)
    erasmus = sub.add_parser("erasmus", help="Erasmus+ Project Results Platform export (CSV/XLSX)")
    parts = sub.add_parser("participations", help="participation list in the CORDIS style")
    flows = sub.add_parser("flows", help="Erasmus+ mobility flows between countries")
    for p in (erasmus, parts, flows):
        p.add_argument("file", help="the export to read")
        p.add_argument("--encoding", default="utf-8", help="text encoding of a CSV file")
    for p in (erasmus, parts):
        p.add_argument("--out", required=True, help="data directory to write the tables to")
    flows.add_argument("--out", required=True, help="CSV file for the country-pair table")
    parts.add_argument(
        "--programme",
        default="other",
        choices=["etwinning", "erasmus_plus", "other"],
        help="programme of every project in the list",
    )
    parts.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="CONTRACT=HEADER",
        help="source header for a contract column, e.g. --map project_id=Project (repeatable)",
    )
    parts.add_argument(
        "--missing-start-date",
        default="impute_by_id",
        choices=["impute_by_id", "reject"],
        help="what to do with projects that have no start date",
    )
    args = parser.parse_args(argv)
    from etwin_analysis import adapters
    from etwin_analysis.dataset import DataValidationError
    from etwin_analysis.safecsv import write_csv

    try:
        if args.kind == "erasmus":
            result = adapters.from_erasmus_results_platform(args.file, encoding=args.encoding)
        elif args.kind == "participations":
            bad = [m for m in args.map if "=" not in m]
            if bad:
                parser.error(f"--map takes CONTRACT=HEADER, got {bad}")
            columns = dict(m.split("=", 1) for m in args.map) or None
            result = adapters.from_participation_list(
                args.file,
                columns,
                programme=args.programme,
                missing_start_date=args.missing_start_date,
                encoding=args.encoding,
            )
        else:
            result = adapters.mobility_flows(args.file, encoding=args.encoding)
    except (DataValidationError, ValueError) as exc:
        print(f"CANNOT IMPORT: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    if args.kind == "flows":
        print(f"written: {write_csv(result.flows, args.out)}")
    else:
        print(f"written: {result.write(args.out)} (check it with `etwin validate {args.out}`)")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {
        "validate": ("check a data directory against the contract", _validate),
        "import": ("map a real export (Erasmus+, CORDIS-style, mobility flows)", _import),
        "synth": ("generate a synthetic eTwinning world", "etwin_analysis.synth"),
        "run": ("run the notebook collection in batch and render reports", "etwin_analysis.runner"),
    }
    usage = "\n".join(f"  {name:<9} {text}" for name, (text, _) in commands.items())
    if not argv or argv[0] in ("-h", "--help"):
        print(
            f"usage: etwin COMMAND [options]\n\ncommands:\n{usage}\n\n"
            "`etwin COMMAND --help` describes each command."
        )
        return 0 if argv else 2
    if argv[0] == "--version":
        print(f"etwin-analysis {__version__}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in commands:
        print(f"etwin: unknown command '{name}'\n\ncommands:\n{usage}", file=sys.stderr)
        return 2
    target = commands[name][1]
    if callable(target):
        return target(rest)
    import importlib

    return int(importlib.import_module(target).main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
