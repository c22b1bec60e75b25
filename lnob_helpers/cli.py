"""The `lnob` command. Problems a user can fix are printed as sentences, never tracebacks."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .config import ALLOW_OUTSIDE_ENV
from .errors import LnobError
from .report.paper import DEFAULT_PAPER, PAPERS

EXIT_OK = 0
EXIT_PROBLEMS = 2


def _init(args: argparse.Namespace) -> int:
    from .starter import init_analysis

    result = init_analysis(args.files, args.out, country=args.country, iso3=args.iso3, year=args.year)
    print(f"wrote {result.path}: {result.programme} files {', '.join(f'{k} = {v}' for k, v in result.files.items())}; "
          f"{len(result.indicators)} indicators ({', '.join(result.indicators)}); "
          f"{len(result.circumstances)} circumstances ({', '.join(result.circumstances)}).")
    for line in result.left_out:
        print(f"  not in these files: {line}")
    for line in result.notes:
        print(f"  could not map: {line}")
    print(f"next: read the comments marked CHECK in {result.path}, then run `lnob validate {result.path.parent}`.")
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from .validate import validate_folder, validation_notes

    for note in validation_notes(args.folder):
        print(f"{args.folder}: note: {note}")
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
    from .disaggregate import write_disaggregation

    analysis = load_analysis(args.folder)
    written = write_disaggregation(analysis, year=args.round, two_way=not args.one_way)
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from .report.build import build_reports, print_summary

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    results = build_reports(args.folders, out=args.out, formats=formats, jobs=args.jobs, paper=args.paper)
    return print_summary(results)


def _app(args: argparse.Namespace) -> int:
    from .app import serve
    from .notebook import resolve_folder

    return serve(resolve_folder(args.folder or ""), port=args.port, preheat=args.preheat, max_kernels=args.max_kernels)


def _workshop(args: argparse.Namespace) -> int:
    from .workshop import create_teams, instructions, reset_team

    if args.reset:
        fresh, kept = reset_team(args.out, args.reset)
        print(f"restored {fresh}" + (f"; the previous copy is kept at {kept}" if kept else ""))
        return EXIT_OK
    if not args.teams:
        raise LnobError("lnob workshop needs --teams N (or --reset TEAM).")
    folders = create_teams(args.out, args.teams)
    print(instructions(folders, args.port_base))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lnob", description="Leave No One Behind workbook.")
    sub = parser.add_subparsers(dest="command", required=True)

    i = sub.add_parser("init", help="write a commented starter analysis.yaml for DHS or MICS files")
    i.add_argument("files", nargs="+", help="the survey's data files (DHS recodes such as XXKR7AFL.DTA, or MICS ch.sav, ...)")
    i.add_argument("--out", default=None, help="folder for analysis.yaml (default: the folder of the first file)")
    i.add_argument("--country", default="Country name", help="the country's name")
    i.add_argument("--iso3", default="XXX", help="the country's ISO 3166 alpha-3 code")
    i.add_argument("--year", type=int, default=None, help="survey year (default: read from the files)")
    i.set_defaults(func=_init)

    v = sub.add_parser("validate", help="check analysis.yaml and the data it points to")
    v.add_argument("folder", help="analysis folder holding analysis.yaml")
    _outside_option(v)
    v.set_defaults(func=_validate)

    t = sub.add_parser("tables", help="write Step 1 disaggregated tables (aggregates only)")
    t.add_argument("folder", help="analysis folder holding analysis.yaml")
    t.add_argument("--round", type=int, default=None, help="survey year (default: latest)")
    t.add_argument("--one-way", action="store_true", help="skip two-way intersections")
    _outside_option(t)
    t.set_defaults(func=_tables)

    r = sub.add_parser("report", help="run the five step notebooks and build the country report")
    r.add_argument("folders", nargs="+", help="one or more analysis folders")
    r.add_argument("--format", default="html",
                   help="html, pdf (printed by chromium), docx (Word), or several joined by commas such as "
                        "html,pdf,docx (default html; report.html is always written)")
    r.add_argument("--paper", default=DEFAULT_PAPER, choices=sorted(PAPERS),
                   help=f"page size of the PDF and Word versions (default {DEFAULT_PAPER})")
    r.add_argument("--out", default=None,
                   help="folder for the reports (default: each analysis's outputs/report/)")
    r.add_argument("--jobs", type=int, default=1, help="analyses built in parallel (default 1)")
    _outside_option(r)
    r.set_defaults(func=_report)

    a = sub.add_parser("app", help="serve the workbook in a browser (Voila, this machine only)")
    a.add_argument("folder", nargs="?", default="", help="analysis folder (default: the sample country)")
    a.add_argument("--port", type=int, default=8866)
    a.add_argument("--preheat", type=int, default=0, help="kernels kept warm per page for fast first loads")
    a.add_argument("--max-kernels", type=int, default=None,
                   help="open pages (kernels) the server allows at once (default: enough for a team of 4-6)")
    a.set_defaults(func=_app)

    w = sub.add_parser("workshop", help="one copy of the sample analysis per team")
    w.add_argument("--teams", type=int, default=0, help="number of teams")
    w.add_argument("--out", required=True, help="folder for the team copies")
    w.add_argument("--reset", default="", help="restore one team's copy (e.g. team-03 or 3)")
    w.add_argument("--port-base", type=int, default=8866, help="first team's port")
    w.set_defaults(func=_workshop)
    return parser


def _outside_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--allow-outside", action="store_true",
                         help="let relative data paths in analysis.yaml leave the analysis folder")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "allow_outside", False):
        os.environ[ALLOW_OUTSIDE_ENV] = "1"  # the notebooks a report runs inherit the choice
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
