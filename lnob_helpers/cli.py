"""The `lnob` command. Problems a user can fix are printed as sentences, never tracebacks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import LnobError

EXIT_OK = 0
EXIT_PROBLEMS = 2


def _validate(args: argparse.Namespace) -> int:
    from .validate import validate_folder

    problems = validate_folder(args.folder)
    if problems:
        print(f"{args.folder}: {len(problems)} problem(s) found:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"{args.folder}: analysis.yaml and its data are valid.")
    return EXIT_OK


def _tables(args: argparse.Namespace) -> int:
    from .config import load_analysis
    from .who.disaggregate import write_disaggregation

    analysis = load_analysis(args.folder)
    written = write_disaggregation(analysis, year=args.round, two_way=not args.one_way)
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lnob", description="Leave No One Behind workbook.")
    sub = parser.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check analysis.yaml and the data it points to")
    v.add_argument("folder", help="analysis folder holding analysis.yaml")
    v.set_defaults(func=_validate)

    t = sub.add_parser("tables", help="write Step 1 disaggregated tables (aggregates only)")
    t.add_argument("folder", help="analysis folder holding analysis.yaml")
    t.add_argument("--round", type=int, default=None, help="survey year (default: latest)")
    t.add_argument("--one-way", action="store_true", help="skip two-way intersections")
    t.set_defaults(func=_tables)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except LnobError as e:
        print(f"lnob {args.command}: {e}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug, not a user error: still one sentence, never a traceback
        print(f"lnob {args.command}: unexpected error ({type(e).__name__}: {e}). "
              "Please report it with the command you ran.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
