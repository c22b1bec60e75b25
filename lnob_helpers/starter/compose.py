"""Writing the starter analysis.yaml: plain text with a comment on every choice made.

The file is meant to be read before it is trusted, so it is composed as text, not dumped
from a model: each data file says what it is, each design column what it holds, each
indicator carries the citation of the definition it follows, and what the catalogue has
but the files do not is listed at the end.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import yaml

from .catalogue import Catalogue
from .detect import SurveyFile
from .fit import Fitted, available

SETTINGS = """\
# ---------------------------------------------------------------------------------------
# Settings: the workbook's defaults, written out so they can be changed.
# ---------------------------------------------------------------------------------------
settings:
  ci_level: 0.95               # confidence level of every interval
  lonely_psu: adjust           # a stratum with a single PSU is centred on the grand mean (as R's survey)
  suppression:
    min_n: 25                  # estimates from fewer unweighted cases are withheld
    caution_n: 50              # 25-49 cases: shown, flagged "interpret with caution"
  tree:                        # furthest-behind trees (regression trees on survey weights)
    min_leaf: 50               # every group the tree ends with has at least 50 cases
    min_gain: 0.01             # a split must cut the weighted sum of squares by 1% of the root's
    max_depth: 3               # at most three circumstances define a group
  left_behind:
    min_gap: 0.05              # a group is left behind when its interval lies wholly on the
                               #   unfavourable side of the national value, 5+ points away
"""


def flow(value) -> str:
    """A small mapping or list in YAML flow style: {column: v015, in: [1]}."""
    return yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False).strip()


def compose(catalogue: Catalogue, fitted: Fitted, folder: Path, *, country: str, iso3: str,
            year: int, year_source: str) -> str:
    """The text of the starter analysis.yaml for `fitted`, with data paths relative to `folder`."""
    parts = [_header(catalogue, fitted), _country(country, iso3),
             _rounds(catalogue, fitted, folder, year, year_source), _indicators(fitted),
             _circumstances(fitted), SETTINGS, _left_out(fitted)]
    return "\n".join(p for p in parts if p)


def _header(catalogue: Catalogue, fitted: Fitted) -> str:
    names = ", ".join(f.path.name for f in fitted.files.values())
    return f"""\
# ---------------------------------------------------------------------------------------
# Starter analysis written by `lnob init` on {datetime.date.today().isoformat()} from {len(fitted.files)} {catalogue.programme} file(s):
#   {names}
#
# Nothing here has been checked by a person yet. Before trusting a number:
#   1. read every comment, above all those marked CHECK (country name, year, definitions
#      that differ between surveys, age ranges);
#   2. run `lnob validate <this folder>`: it names every code in the data that this file
#      does not account for (special codes such as "don't know" or "flagged");
#   3. compare a few national values with the survey's own final report;
#   4. run `lnob report <this folder> --format html`.
# Indicators come from the starter catalogue; each cites the published definition it
# follows. Unknown keys are errors, paths are relative to this folder, and filters are
# conditions on columns (column + in / not_in / min / max), never code.
# ---------------------------------------------------------------------------------------
"""


def _country(country: str, iso3: str) -> str:
    note = "" if iso3 != "XXX" else "   # CHECK: the ISO 3166 alpha-3 code; XXX is a placeholder"
    name_note = "" if country != "Country name" else "   # CHECK: the country's name"
    return f"""country:
  name: {_scalar(country)}{name_note}
  iso3: {iso3}{note}
"""


def _rounds(catalogue: Catalogue, fitted: Fitted, folder: Path, year: int, year_source: str) -> str:
    lines = [
        "# ---------------------------------------------------------------------------------------",
        "# The survey round: where the files are and how each sample was drawn. Indicators say",
        "# which file they read by its key (children, women, ...).",
        "# ---------------------------------------------------------------------------------------",
        "rounds:",
        f"  - year: {year}                 # {year_source}",
        f"    label: {_scalar(f'{catalogue.survey} {year}')}",
        "    files:",
    ]
    for key, file in fitted.files.items():
        lines += _file(key, file, folder)
    return "\n".join(lines) + "\n"


def _file(key: str, file: SurveyFile, folder: Path) -> list[str]:
    t = file.type
    how = " (recognised by its columns)" if not file.by_name else ""
    lines = [_commented(f"      {key}:", f"{t.about[0].upper()}{t.about[1:]}{how}"),
             f"        path: {_scalar(_relative(file.path, folder))}"]
    universe = [dict(c) for c in t.universe if file.column(c["column"])]
    if universe:
        lines.append(_commented("        universe:", "the rows that form this file's population"))
        for cond in universe:
            note = cond.pop("note", "")
            cond["column"] = file.column(cond["column"])
            lines.append(_commented(f"          - {flow(cond)}", note))
    computed = {name: spec for name, spec in t.computed.items() if available(file, name)}
    if computed:
        lines.append(_commented("        computed:", "columns computed on load, usable like the file's own"))
        for name, spec in computed.items():
            body = dict(spec["spec"], columns=[file.column(c) for c in spec["spec"]["columns"]])
            lines.append(_commented(f"          {name}: {flow(body)}", spec["note"]))
    d = t.design
    if t.design_note:
        lines.append(f"        # {t.design_note}")
    lines.append("        design:")
    lines.append(_commented(f"          weight: {available(file, d['weight'])}", "sampling weight"))
    if d.get("weight_divisor"):
        lines.append(_commented(f"          weight_divisor: {d['weight_divisor']}",
                                f"{file.catalogue.programme} stores the weight x 1,000,000"))
    for role, about in (("strata", "sampling strata"), ("psu", "primary sampling units (clusters)")):
        if d.get(role) and file.column(d[role]):
            lines.append(_commented(f"          {role}: {file.column(d[role])}", about))
    return lines


def _commented(line: str, comment: str, column: int = 36) -> str:
    """`line` with `comment` after it, comments lined up where the line is short enough."""
    return f"{line}{' ' * max(2, column - len(line))}# {comment}" if comment else line


def _relative(path: Path, folder: Path) -> str:
    """The data path as analysis.yaml names it: relative inside the folder, absolute outside."""
    path, folder = path.resolve(), folder.resolve()
    return path.relative_to(folder).as_posix() if path.is_relative_to(folder) else str(path)


def _indicators(fitted: Fitted) -> str:
    head = """\
# ---------------------------------------------------------------------------------------
# Indicators from the starter catalogue. Each is 0/1 per row once missing codes are
# removed. `population` is the reference population (a domain: rows outside it stay in
# the design); `skipped` gives a value to rows a question was not asked of by design;
# `direction: adverse` marks indicators where a higher value is worse.
# ---------------------------------------------------------------------------------------
indicators:
"""
    blocks = [_own_spelling(_pruned(entry.text, fitted.unused_keys.get(entry.id, [])), entry.columns, file)
              for entry, file in fitted.indicators]
    return head + "\n\n".join(blocks) + "\n"


def _pruned(text: str, unused: list[str]) -> str:
    """The entry without map keys the data never hold, which validation would reject as typos."""
    if not unused:
        return text
    match = re.search(r"^( +)map: (\{.*?\})", text, flags=re.MULTILINE | re.DOTALL)
    mapping = yaml.safe_load(match.group(2))
    kept = {str(k): v for k, v in mapping.items() if str(k) not in unused}
    indent = match.group(1)
    which = f"code {unused[0]} does not" if len(unused) == 1 else f"codes {', '.join(unused)} do not"
    note = f"{indent}# {which} occur in this file, so lnob init left it out of the map\n"
    pairs = ", ".join(f'"{k}": {_scalar(v)}' for k, v in kept.items())
    return text[:match.start()] + note + f"{indent}map: {{{pairs}}}" + text[match.end():]


def _own_spelling(text: str, columns: tuple[str, ...], file: SurveyFile) -> str:
    """The entry with each column named as the file names it (HAZ2 may be haz2)."""
    for name in columns:
        actual = available(file, name)
        if actual and actual != name:
            text = re.sub(rf"(?<![\w]){re.escape(name)}(?![\w])", actual, text)
    return text


def _circumstances(fitted: Fitted) -> str:
    lines = [
        "# ---------------------------------------------------------------------------------------",
        "# Circumstances: the groups compared, each tagged with one of the five factors. A",
        "# column given per file ({children: v190, members: hv270}) names the same concept in",
        "# files that spell it differently; a file left out of it does not have it. Categories",
        "# and missing codes were read from the files' value labels. `not_disadvantaged` lists a",
        "# circumstance's reference categories (Urban, Richest, Male...), which do not count its",
        "# factor in the ranking: add them once you have checked the categories.",
        "# ---------------------------------------------------------------------------------------",
        "circumstances:",
    ]
    for circ in fitted.circumstances:
        circ = dict(circ)
        note = circ.pop("note", "")
        lines.append(f"  - id: {circ.pop('id')}" + (f"    # {note}" if note else ""))
        for key, value in circ.items():
            if key == "derive":
                lines.append("    derive:")
                lines += [f"      {k}: {flow(v) if isinstance(v, (dict, list)) else _scalar(v)}" for k, v in value.items()]
            else:
                lines.append(f"    {key}: {flow(value) if isinstance(value, (dict, list)) else _scalar(value)}")
        lines.append("")
    return "\n".join(lines)


def _left_out(fitted: Fitted) -> str:
    if not fitted.left_out and not fitted.notes:
        return ""
    lines = ["# ---------------------------------------------------------------------------------------",
             "# Left out by `lnob init`:"]
    lines += [f"#   - not in these files: {s}" for s in fitted.left_out]
    lines += [f"#   - could not map: {s}" for s in fitted.notes]
    return "\n".join(lines) + "\n"


def _scalar(value) -> str:
    """A scalar as YAML writes it, quoted only when it must be."""
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("\n...").strip()
