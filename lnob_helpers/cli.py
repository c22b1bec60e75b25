"""The `lnob` command. Problems a user can fix are printed as sentences, never tracebacks."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .config import ALLOW_OUTSIDE_ENV, COLLAB_DB_ENV, DEFAULT_MEMORY_MB, MEMORY_ENV, memory_mb
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

    _use_memory(args)
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

    _use_memory(args)
    analysis = load_analysis(args.folder)
    written = write_disaggregation(analysis, year=args.round, two_way=not args.one_way)
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from .report.build import build_reports, print_summary
    from .report.comparison import batch_comparison

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    cluster = "dask" if args.scheduler else args.cluster
    if args.scheduler and args.jobs:
        raise LnobError("--jobs sets the workers of a cluster on this machine; an existing --scheduler has its own.")
    results = build_reports(args.folders, out=args.out, formats=formats, jobs=args.jobs, paper=args.paper,
                            cluster=cluster, scheduler=args.scheduler)
    status = print_summary(results)
    note = batch_comparison(sorted(r.folder for r in results if not r.error), args.out)
    if note:
        print(note)
    return status


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


def _share(args: argparse.Namespace) -> int:
    from .collab.manifest import period_from_text
    from .collab.package import default_package_path, read_package, write_package
    from .yamlstore import read_yaml

    fields: dict[str, object] = {"partner": {"name": args.partner, "contact": args.contact},
                                 "source_type": args.source_type, "licence": args.licence}
    fields |= {key: getattr(args, key) for key in ("method", "coverage") if getattr(args, key)}
    if args.period:
        fields["period"] = period_from_text(args.period)
    if args.quality:
        fields["quality"] = read_yaml(args.quality)
    out = args.out or default_package_path(args.folder)
    path = write_package(args.folder, out, fields, force=args.force)
    print(f"wrote {read_package(path).summary()}")
    return EXIT_OK


def _collab_store(args: argparse.Namespace, create: bool = False):
    from .collab.store import CollabStore
    from .config import collab_db_url

    url = collab_db_url(args.folder, args.db)
    return CollabStore.create(url) if create else CollabStore.open(url)


def _collab_init(args: argparse.Namespace) -> int:
    with _collab_store(args, create=True) as store:
        print(store.schema_note)
    return EXIT_OK


def _collab_add(args: argparse.Namespace) -> int:
    from .config import ANALYSIS_FILE, load_analysis
    from .errors import InputError

    rule = (load_analysis(args.folder).settings.suppression
            if os.path.isfile(os.path.join(args.folder, ANALYSIS_FILE)) else None)
    status = EXIT_OK
    with _collab_store(args) as store:
        for package in args.packages:  # each on its own: a refused one does not stop the others
            try:
                print(store.add(package, suppression=rule).sentence)
            except InputError as err:
                print(f"{package}: refused, nothing imported; {len(err.problems)} problem(s):", file=sys.stderr)
                for problem in err.problems:
                    print(f"  - {problem}", file=sys.stderr)
                status = EXIT_PROBLEMS
            except LnobError as err:
                print(f"{package}: not imported; {err}", file=sys.stderr)
                status = EXIT_PROBLEMS
    return status


def _collab_list(args: argparse.Namespace) -> int:
    with _collab_store(args) as store:
        table = store.listing().to_frame()
        if table.empty:
            print(f"{store.shown}: no packages yet; add one with `lnob collab add {args.folder} PACKAGE.zip`.")
        else:
            print(table.to_string(index=False))
    return EXIT_OK


def _collab_report(args: argparse.Namespace) -> int:
    from .report.joint import build_joint_report

    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    for path in build_joint_report(args.folder, db=args.db, out=args.out, formats=formats, paper=args.paper):
        print(f"wrote {path}")
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
    _memory_option(v)
    v.set_defaults(func=_validate)

    t = sub.add_parser("tables", help="write Step 1 disaggregated tables (aggregates only)")
    t.add_argument("folder", help="analysis folder holding analysis.yaml")
    t.add_argument("--round", type=int, default=None, help="survey year (default: latest)")
    t.add_argument("--one-way", action="store_true", help="skip two-way intersections")
    _outside_option(t)
    _memory_option(t)
    t.set_defaults(func=_tables)

    r = sub.add_parser("report", help="run the five step notebooks and build the country report")
    r.add_argument("folders", nargs="+", help="one or more analysis folders")
    r.add_argument("--format", default="html",
                   help="html, pdf (printed by chromium), docx (Word), or several joined by commas such as "
                        "html,pdf,docx (default html; report.html is always written)")
    r.add_argument("--paper", default=DEFAULT_PAPER, choices=sorted(PAPERS),
                   help=f"page size of the PDF and Word versions (default {DEFAULT_PAPER})")
    r.add_argument("--out", default=None,
                   help="folder for the reports (default: each analysis's outputs/report/) and, for several "
                        "analyses sharing indicators, comparison.csv/.xlsx (default: the folder holding them)")
    r.add_argument("--jobs", type=int, default=None,
                   help="analyses built at once on this machine (default 1; with --cluster dask, the local "
                        "cluster's workers, default one per core as memory allows)")
    r.add_argument("--cluster", default="local", choices=["local", "dask"],
                   help="where the analyses are built: local processes, or tasks on Dask distributed (default local)")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="an existing Dask scheduler to send the analyses to (implies --cluster dask; every worker "
                        "must see the analysis folders at the same paths)")
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

    from .collab.manifest import SOURCE_TYPE_LABELS

    s = sub.add_parser("share", help="write a contribution package of this analysis's figures for partners")
    s.add_argument("folder", help="analysis folder holding analysis.yaml (Step 1 must have run)")
    s.add_argument("--partner", required=True, help="name of the organisation sharing the figures")
    s.add_argument("--contact", default="", help="how partners reach you (an e-mail address, say)")
    s.add_argument("--source-type", required=True, choices=list(SOURCE_TYPE_LABELS),
                   help="kind of source the figures come from")
    s.add_argument("--licence", required=True, help="licence of the figures: an id such as CC-BY-4.0, or its terms")
    s.add_argument("--method", default="", help="how the figures were made (default: said from the analysis)")
    s.add_argument("--coverage", default="", help="population and area covered (default: said from the analysis)")
    s.add_argument("--period", default="", help="years covered, e.g. 2019-2024 (default: the rounds shared)")
    s.add_argument("--quality", default="", metavar="FILE.yaml",
                   help="quality assessment, required for citizen_generated and administrative sources: a level "
                        "(met, partly met, not met, not known) and a note for each of sampling_or_coverage, "
                        "method_documented, validation, timeliness and ethics_consent")
    s.add_argument("--out", default=None, metavar="FILE.zip",
                   help="the package to write (default: outputs/share/contribution_<ISO3>_<date>.zip)")
    s.add_argument("--force", action="store_true", help="replace the package if the file exists")
    s.set_defaults(func=_share)

    c = sub.add_parser("collab", help="the collaborative store of partners' contribution packages")
    steps = c.add_subparsers(dest="collab_command", required=True)
    db_help = (f"the store's database: sqlite:///FILE, postgresql://user@host:port/database or a file path "
               f"(default ${COLLAB_DB_ENV}, else FOLDER/collaborative/store.sqlite)")
    ci = steps.add_parser("init", help="create the store, or bring its schema up to date")
    ca = steps.add_parser("add", help="check and import contribution packages, each whole or not at all")
    cl = steps.add_parser("list", help="list the packages in the store, current and superseded")
    for command, func in ((ci, _collab_init), (ca, _collab_add), (cl, _collab_list)):
        command.add_argument("folder", help="analysis folder the store belongs to")
        if command is ca:
            command.add_argument("packages", nargs="+", metavar="PACKAGE.zip", help="contribution packages to import")
        command.add_argument("--db", default=None, metavar="URL", help=db_help)
        command.set_defaults(func=func)
    cr = steps.add_parser("report", help="write the joint monitoring report across partners (HTML and Word)")
    cr.add_argument("folder", help="analysis folder whose Step 1 figures are set beside the partners'")
    cr.add_argument("--db", default=None, metavar="URL", help=db_help)
    cr.add_argument("--out", default=None, metavar="DIR",
                    help="folder for the report files (default: FOLDER/outputs/collab_report/)")
    cr.add_argument("--format", default="html,docx",
                    help="html, docx (Word), pdf (printed by chromium), joined by commas (default html,docx; "
                         "joint_report.html is always written)")
    cr.add_argument("--paper", default=DEFAULT_PAPER, choices=sorted(PAPERS),
                    help=f"page size of the PDF and Word versions (default {DEFAULT_PAPER})")
    cr.set_defaults(func=_collab_report)
    return parser


def _memory_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--memory-mb", type=int, default=None, metavar="MB",
                         help=f"working memory the data are read within, in MB (default ${MEMORY_ENV} or "
                              f"{DEFAULT_MEMORY_MB}); larger files are read in more, smaller chunks")


def _use_memory(args: argparse.Namespace) -> None:
    if args.memory_mb is not None:
        os.environ[MEMORY_ENV] = str(args.memory_mb)
    memory_mb()  # refuses a bad value before any work


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
