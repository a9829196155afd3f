"""The ``etwin`` command: ``validate``, ``synth`` and ``run``.

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


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {
        "validate": ("check a data directory against the contract", _validate),
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
