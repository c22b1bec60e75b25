"""The executive summary of a country report, generated from the results of the five steps.

Five short parts, in the order a Common Country Analysis reads them: who is furthest behind and
on what; where gaps are closing or widening; the prioritised groups and actions; the targets;
and what we do not know. Every sentence rests on a number from a table the report shows (or,
for the furthest-behind group's values, from the full tables of its annex workbook), and
`to_frame()` says which.

Steps 1 and 4 are read from what their notebooks wrote under `<analysis>/outputs/step1/` and
`outputs/step4/`, so the summary never recomputes them (Step 1 alone takes about 10 s); a
missing file stops it with a one-sentence `LnobError` naming the file. Steps 2 and 3 are
computed by `compute_step2` / `compute_step3`, which read only the team's step files and Step
1's written `left_behind.csv` and take a fraction of a second, exactly as their notebooks did.

A gap counts as clearly closing or widening (part 2) when it moved by at least the analysis'
left-behind threshold (`settings.left_behind.min_gap`) and by more than its sampling margin at
the analysis' interval level. Step 4's trend table has no interval of its own, so the margin
comes from the standard errors of the group and the national value in the two rounds' HEAT
Plus files (`outputs/step4/heat_plus_<year>.csv`), taken as independent, which errs on the
side of calling fewer changes clear.

How to call it (the report build inserts it after the contents):

    from lnob_helpers.report.summary import executive_summary
    summary = executive_summary(analysis)   # a loaded Analysis, after the step notebooks ran
    body = summary.to_html()                 # <h3> sub-headings, <p> and <ul>; all text escaped
    # e.g. Section("summary", "Executive summary", sanitise(body)) placed before Step 1;
    # summary.to_frame() lists each sentence with its part and the table it rests on.
"""

from __future__ import annotations

import html
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..config import Analysis
from ..errors import LnobError
from ..exports import unescape_text
from ..groups import group_id_label, is_group_id, read_left_behind
from ..privacy import FLAG_CAUTION
from ..groups import group_labels, name_groups
from ..what.step3 import compute_step3
from ..who.furthest_summary import left_behind_by_factor
from ..who.left_behind import furthest_behind_group, group_gaps, rank_groups
from ..why.step2 import compute_step2

WHO, TRENDS, PRIORITIES, TARGETS, UNKNOWN = (
    "Who is furthest behind, and on what",
    "Where gaps are closing or widening",
    "The prioritised groups and actions",
    "The targets",
    "What we do not know",
)
PARTS = (WHO, TRENDS, PRIORITIES, TARGETS, UNKNOWN)
COLUMNS = ["part", "sentence", "rests_on"]
VALUES_SHOWN = 3      # indicators of the furthest-behind group given with their values
TRENDS_SHOWN = 3      # indicators named per direction (widening, narrowing)
ALSO_SHOWN = 2        # further groups named beside an indicator's clearest change
TOP_PRIORITIES = 3    # Step 2 groups named
TOP_ACTIONS = 3       # Step 3 actions named
TARGETS_SHOWN = 6     # lines of targets
NAMES_SHOWN = 3       # groups named in one target line before "and n more"
LISTED = 3            # items named in one data-gap sentence before "and n more"

# the tables of the report body each part rests on
LEFT_BEHIND = "Step 1: Groups left behind"
GROUP_VALUES = "Step 1: the furthest-behind group, indicator by indicator"
TREES = "Step 1: The furthest behind (trees)"
DATA_GAPS = "Step 1: What we do not know (data gaps)"
TREND_TABLE = "Step 4: Trends by group"
TARGET_TABLE = "Step 4: Equity targets"
PRIORITY_TABLE = "Step 2: Prioritised groups"
PLAN_TABLE = "Step 3: Prioritised action plan"
COVERAGE = "Step 3: Coverage warnings"
# Step 3's coverage warnings by kind: what is counted, and what is missing for it
UNCOVERED = {
    "root_cause_without_action": ("root cause", "that no action addresses"),
    "furthest_behind_without_action": ("furthest-behind group", "that no action is aimed at"),
    "action_misses_left_behind": ("action", "reaching no left-behind group"),
    "action_without_groups": ("action", "naming no group"),
}


@dataclass(frozen=True)
class Sentence:
    """One sentence of the summary: its part, its text (plain, unescaped) and the table it rests on."""

    part: str
    text: str
    rests_on: str
    bullet: bool = False


@dataclass(frozen=True)
class ExecutiveSummary:
    """The summary's sentences in reading order, part by part (`PARTS`)."""

    sentences: tuple[Sentence, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per sentence: its part, the sentence and the table or figure it rests on."""
        return pd.DataFrame([(s.part, s.text, s.rests_on) for s in self.sentences], columns=COLUMNS)

    def to_html(self) -> str:
        """An HTML fragment: an <h3> per part, then paragraphs (a run of sentences resting on one table)
        and bullet lists. Every text is escaped (as element content, so quotes stay as typed) and only
        tags the report's sanitiser keeps are used: `assemble.sanitise` returns it unchanged."""
        out = []
        for part in PARTS:
            out.append(f"<h3>{html.escape(part, quote=False)}</h3>")
            mine = [s for s in self.sentences if s.part == part]
            for _, block in itertools.groupby(mine, key=lambda s: (s.bullet, "" if s.bullet else s.rests_on)):
                out.append(_block_html(list(block)))
        return "\n".join(out)

    @property
    def words(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)


def _block_html(block: list[Sentence]) -> str:
    if block[0].bullet:
        return "<ul>" + "".join(f"<li>{html.escape(s.text, quote=False)}</li>" for s in block) + "</ul>"
    return "<p>" + " ".join(html.escape(s.text, quote=False) for s in block) + "</p>"


def executive_summary(analysis: Analysis) -> ExecutiveSummary:
    """The five-part executive summary of `analysis`, from the outputs its step notebooks wrote."""
    step1 = _Step1(analysis)
    return ExecutiveSummary(tuple(
        _furthest(step1) + _trends(analysis) + _priorities(analysis) + _targets(analysis) + _unknown(step1)))


# --- reading what the steps wrote -----------------------------------------------------------

def _written(a: Analysis, step: int, name: str) -> Path:
    path = a.outputs / f"step{step}" / name
    if not path.exists():
        raise LnobError(f"The executive summary needs outputs/step{step}/{name}, which Step {step} writes; "
                        f"run Step {step} (or `lnob report`) first.")
    return path


def _table(path: Path) -> pd.DataFrame:
    """A table a step wrote, with its formula-safe text read back as it was typed."""
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]):
            frame[column] = frame[column].astype(object).map(unescape_text)
    return frame


def _yes(column: pd.Series) -> pd.Series:
    """A True/False column of a written table as booleans, however the CSV reader typed it."""
    return column.astype("str").str.strip().str.lower().isin(["true", "1", "yes"])


class _Step1:
    """What Step 1 wrote: its summary, the ranked left-behind groups, the disaggregation table of
    its round, the trees' furthest-behind groups and the data gaps."""

    def __init__(self, a: Analysis) -> None:
        self.analysis = a
        self.info = json.loads(_written(a, 1, "step1_summary.json").read_text(encoding="utf-8"))
        self.year = int(self.info["round"])
        groups = read_left_behind(_written(a, 1, "left_behind.csv"))
        self.groups = rank_groups(groups.assign(label=groups["label"].map(unescape_text)))
        self.table = _table(_written(a, 1, f"disaggregation_{self.year}.csv"))
        self.trees = _table(_written(a, 1, "furthest_behind.csv"))
        self.gaps = _table(_written(a, 1, "data_gaps.csv"))


# --- words and numbers ----------------------------------------------------------------------

def _n(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}"


def _count(n: int, thing: str, things: str | None = None) -> str:
    """'1 group', '12 groups'."""
    return f"{n:,} {thing if n == 1 else (things or thing + 's')}"


def _listed(items: list[str]) -> str:
    """Items that may hold commas themselves, joined by semicolons: 'a; b; and c'."""
    return items[0] if len(items) == 1 else "; ".join(items[:-1]) + f"; and {items[-1]}"


def _indicator(a: Analysis, ind_id: str) -> str:
    return a.indicator(ind_id).label


def _percent(a: Analysis, ind_id: str) -> str:
    """'%' for a proportion shown as a percentage, else nothing."""
    ind = a.indicator(ind_id)
    return "%" if ind.type == "binary" and ind.scale == 100 else ""


def _circumstance(a: Analysis, c_id: str) -> str:
    return a.circumstance(c_id).label


def _group(a: Analysis, dimension: str, subgroup: str) -> str:
    """'Tamar (Ethnicity of the household head)', or 'the whole country'."""
    return "the whole country" if dimension == "national" else f"{subgroup} ({_circumstance(a, dimension)})"


# --- 1. who is furthest behind --------------------------------------------------------------

def _furthest(s1: _Step1) -> list[Sentence]:
    a = s1.analysis
    top = furthest_behind_group(s1.groups)
    if top is None:
        return [Sentence(WHO, f"No group is left behind on any of the {len(s1.info['indicators'])} indicators "
                              f"in the {s1.year} survey round.", LEFT_BEHIND)]
    assessed = [i for i in s1.info["indicators"] if a.indicator(i).type == "binary"]
    grown = int((s1.trees["role"] == "furthest behind").sum())
    in_trees = int(top["n_trees"]) if "n_trees" in top.index else 0
    label = str(top["label"])
    trees = f", and the furthest-behind group in {in_trees} of the {grown} indicator trees" if in_trees else ""
    out = [Sentence(WHO, f"{label} is the furthest-behind group in the {s1.year} survey round: left behind on "
                         f"{int(top['n_indicators'])} of {len(assessed)} indicators, by {_n(top['mean_gap'])} "
                         f"percentage points on average{trees}.", LEFT_BEHIND)]
    behind_on = [i for i in str(top["indicators"]).split(";") if i]
    cells = group_gaps(s1.table[s1.table["group_id"] == top["group_id"]], a)
    cells = cells[cells["indicator_abbr"].isin(behind_on)].sort_values("gap", ascending=False)
    if len(cells):
        out.append(Sentence(WHO, "Its widest gaps to the national value:", GROUP_VALUES))
    for row in cells.head(VALUES_SHOWN).itertuples(index=False):
        unit = _percent(a, row.indicator_abbr)
        lower = " (lower is better)" if row.favourable_indicator == 0 else ""
        caution = "; few cases, read with caution" if row.flag == FLAG_CAUTION else ""
        out.append(Sentence(WHO, f"{_indicator(a, row.indicator_abbr)}: {_n(row.estimate)}{unit} "
                                 f"({_n(row.ci_lb)}-{_n(row.ci_ub)}{caution}) against {_n(row.setting_average)}"
                                 f"{unit} nationally{lower}.", GROUP_VALUES, bullet=True))
    if in_trees < grown:
        out.append(Sentence(WHO, f"The other {grown - in_trees} indicator trees single out other groups: each "
                                 "splits on the circumstances that matter most for its own indicator.", TREES))
    out.append(Sentence(WHO, f"{_count(len(s1.groups), 'group')} are left behind on at least one indicator; by "
                             "the factor they are disadvantaged on:", LEFT_BEHIND))
    for row in left_behind_by_factor(s1.groups).itertuples(index=False):
        if row.groups:
            out.append(Sentence(WHO, f"{row.label}: {_count(int(row.groups), 'group')}, led by {row.top_groups}.",
                                LEFT_BEHIND, bullet=True))
        else:
            out.append(Sentence(WHO, f"{row.label}: no group.", LEFT_BEHIND, bullet=True))
    return out


# --- 2. trends --------------------------------------------------------------------------------

def _trends(a: Analysis) -> list[Sentence]:
    if len(a.rounds) < 2:
        return [Sentence(TRENDS, f"The analysis has {_count(len(a.rounds), 'survey round')}, so no change over "
                                 "time can be measured yet.", TREND_TABLE)]
    trends = _table(_written(a, 4, "trends.csv"))
    binary = [i.id for i in a.indicators if i.type == "binary"]
    rows = trends[_yes(trends["worst_off"]) & trends["indicator"].isin(binary)].copy()
    if rows.empty:
        return [Sentence(TRENDS, "Step 4 found no group to follow across the rounds (0 trends).", TREND_TABLE)]
    first, last = int(rows["baseline_year"].min()), int(rows["latest_year"].max())
    margin = _gap_change_se(a, rows) * float(ndtri(0.5 + a.estimation.level / 2))
    threshold = a.settings.left_behind.min_gap * 100
    sign = np.where(rows["direction"] == "favourable", 1.0, -1.0)
    rows = rows.assign(closing=sign * rows["gap_change"], moved_by=rows["gap_change"].abs())
    clear = rows[(rows["moved_by"] >= threshold - 1e-9) & (rows["moved_by"] > margin)]
    level = f"{a.estimation.level * 100:g}%"
    out = [Sentence(TRENDS, f"Step 4 follows the worst-off group of each circumstance from {first} to {last}; a "
                            f"change in its gap to the national value counts as clear when it is at least "
                            f"{threshold:g} percentage points and beyond its {level} sampling margin. "
                            f"{len(clear)} of the {_count(len(rows), 'gap')} moved clearly.", TREND_TABLE)]
    for closing, verb in ((False, "widened"), (True, "narrowed")):
        moved = clear[(clear["closing"] > 0) == closing].sort_values("moved_by", ascending=False)
        if moved.empty:
            continue
        by_indicator = list(moved.groupby("indicator", sort=False))
        out.append(Sentence(TRENDS, f"Gaps {verb} on {_count(len(by_indicator), 'indicator')}"
                                    + (f", the {TRENDS_SHOWN} clearest:" if len(by_indicator) > TRENDS_SHOWN
                                       else ":"), TREND_TABLE))
        for _, group in by_indicator[:TRENDS_SHOWN]:
            out.append(Sentence(TRENDS, _trend_words(a, group, verb, (first, last)), TREND_TABLE, bullet=True))
    return out


def _trend_words(a: Analysis, rows: pd.DataFrame, verb: str, span: tuple[int, int]) -> str:
    """The clearest change of one indicator, in words, with the other groups that moved the same way;
    the years only where they are not the whole `span` the part names."""
    row = rows.iloc[0]
    sign = 1.0 if row["direction"] == "favourable" else -1.0
    then, now = -sign * row["gap_baseline"], -sign * row["gap_latest"]  # points behind (negative: ahead)
    if then > 0 and now > 0:
        moved = f"from {_n(then)} to {_n(now)} points behind"
    else:
        moved = f"from {_standing(then)} to {_standing(now)}"
    years = (int(row["baseline_year"]), int(row["latest_year"]))
    when = "" if years == span else f" ({years[0]} to {years[1]})"
    others = list(rows["subgroup"].iloc[1:])
    also = ""
    if others:
        more = len(others) - ALSO_SHOWN
        also = "; also for " + _listed(others[:ALSO_SHOWN] + ([f"{more} more"] if more > 0 else []))
    return (f"{_indicator(a, row['indicator'])}: {_group(a, row['dimension'], row['subgroup'])}, gap {verb} by "
            f"{_n(row['moved_by'])} points{when}, {moved}{also}.")


def _standing(behind: float) -> str:
    if behind == 0:
        return "level with it"
    return f"{_n(abs(behind))} points {'behind' if behind > 0 else 'ahead'}"


def _gap_change_se(a: Analysis, rows: pd.DataFrame) -> np.ndarray:
    """Standard error of each row's change in gap: group and national value in both rounds, taken as
    independent; NaN (never clear) where a round's HEAT Plus file leaves the group out."""
    years = sorted(set(rows["baseline_year"].astype(int)) | set(rows["latest_year"].astype(int)))
    heat = pd.concat([_table(_written(a, 4, f"heat_plus_{y}.csv")) for y in years], ignore_index=True)
    se = heat.set_index(["indicator_abbr", "dimension_id", "subgroup", "date"])["se"].astype(float)
    se = se[~se.index.duplicated()]
    national = heat[heat["dimension_id"] == "national"].set_index(["indicator_abbr", "date"])["se"].astype(float)
    national = national[~national.index.duplicated()]
    parts = []
    for end in ("baseline_year", "latest_year"):
        year = rows[end].astype(int)
        group = pd.MultiIndex.from_arrays([rows["indicator"], rows["dimension"], rows["subgroup"], year])
        parts.append(se.reindex(group).to_numpy())
        parts.append(national.reindex(pd.MultiIndex.from_arrays([rows["indicator"], year])).to_numpy())
    return np.sqrt(sum(p ** 2 for p in parts))


# --- 3. priorities and actions ---------------------------------------------------------------

def _priorities(a: Analysis) -> list[Sentence]:
    step2, step3 = compute_step2(a), compute_step3(a)
    out = []
    if step2.priorities is not None and len(step2.priorities.table):
        ranked = step2.priorities.table
        top = step2.priority_table(TOP_PRIORITIES)
        named = [f"{g} (score {_n(s, 2)})" for g, s in zip(top["group"], top["score"])]
        criteria = [k.replace("_", " ") for k in step2.priorities.weights]
        weighed = ", ".join(criteria[:-1]) + f" and {criteria[-1]}" if len(criteria) > 1 else criteria[0]
        out.append(Sentence(PRIORITIES, f"Step 2 ranks the {_count(len(ranked), 'left-behind group')} for the causal "
                                        f"analysis by {weighed}; the highest ranked are {_listed(named)}.",
                            PRIORITY_TABLE))
        note = step2.furthest_note()
        if note:
            out.append(Sentence(PRIORITIES, note, PRIORITY_TABLE))
    chosen = step2.step2.priority_groups
    if chosen:
        labels = group_labels(step2.groups)
        out.append(Sentence(PRIORITIES, f"The team chose {_count(len(chosen), 'group')} for the causal analysis: "
                                        f"{_listed([name_groups([g], labels) for g in chosen])}.", PRIORITY_TABLE))
    plan = step3.plan
    if plan is None or plan.table.empty:
        out.append(Sentence(PRIORITIES, "Step 3 has no action recorded yet (0 actions).", PLAN_TABLE))
        return out
    n = min(TOP_ACTIONS, len(plan.table))
    out.append(Sentence(PRIORITIES, f"Step 3 ranks {_count(len(plan.table), 'action')}; the {n} highest ranked:",
                        PLAN_TABLE))
    for row in step3.plan_table(TOP_ACTIONS).to_dict("records"):
        aimed = f", aimed at {row['aimed at']}" if row["aimed at"] else ""
        out.append(Sentence(PRIORITIES, f"{row['title']} ({row['area']}; score {_n(row['score'], 2)}){aimed}.",
                            PLAN_TABLE, bullet=True))
    if step3.coverage is not None and not step3.coverage.ok:
        kinds = step3.coverage.to_frame()["kind"].value_counts()
        left = [f"{_count(int(kinds[kind]), thing)} {what}" for kind, (thing, what) in UNCOVERED.items()
                if kinds.get(kind, 0)]
        if left:
            out.append(Sentence(PRIORITIES, f"The plan still leaves {_listed(left)}.", COVERAGE))
    return out


# --- 4. targets -------------------------------------------------------------------------------

def _targets(a: Analysis) -> list[Sentence]:
    targets = _table(_written(a, 4, "targets.csv"))
    if targets.empty:
        return [Sentence(TARGETS, "The team has set no equity target yet (0 targets).", TARGET_TABLE)]
    national = targets["dimension"] == "national"
    out = [Sentence(TARGETS, f"The team has set {_count(len(targets), 'target')} in Step 4: "
                             f"{int(national.sum())} for the whole country and {int((~national).sum())} for groups.",
                    TARGET_TABLE)]
    years = ["baseline_year", "target_year"]
    lines = [_national_words(a, rows) for _, rows in targets[national].groupby(years, sort=False)]
    lines += [_group_words(a, rows) for _, rows in targets[~national].groupby(
        ["indicator", "dimension", *years, "target"], sort=False)]
    out += [Sentence(TARGETS, text, TARGET_TABLE, bullet=True) for text, _ in lines[:TARGETS_SHOWN]]
    rest = sum(n for _, n in lines[TARGETS_SHOWN:])
    if rest:
        out.append(Sentence(TARGETS, f"{_count(rest, 'more target')} are in Step 4's table.", TARGET_TABLE))
    return out


def _national_words(a: Analysis, rows: pd.DataFrame) -> tuple[str, int]:
    """National targets sharing their years, in one line, and how many they are."""
    each = [f"{_indicator(a, r.indicator)} from {_n(r.baseline)}{_percent(a, r.indicator)} to "
            f"{_n(r.target)}{_percent(a, r.indicator)}" for r in rows.itertuples(index=False)]
    first = rows.iloc[0]
    return (f"The whole country, {int(first['baseline_year'])} to {int(first['target_year'])}: "
            f"{_listed(each)}.", len(rows))


def _group_words(a: Analysis, rows: pd.DataFrame) -> tuple[str, int]:
    """Group targets of one indicator, circumstance, years and value in one line, and how many they are:
    'Births attended ...: Tamar (Ethnicity ...), from 47.6% in 2024 to 80.2% by 2030.'"""
    first = rows.iloc[0]
    unit = _percent(a, first["indicator"])
    base = rows["baseline"].astype(float)
    if len(rows) == 1:
        who = _group(a, first["dimension"], first["subgroup"])
        start = f"{_n(base.iloc[0])}{unit}"
    else:
        names = list(rows["subgroup"])
        shown = names[:NAMES_SHOWN] + ([f"{len(names) - NAMES_SHOWN} more"] if len(names) > NAMES_SHOWN else [])
        who = f"{_count(len(names), 'group')} by {_circumstance(a, first['dimension']).lower()} ({_listed(shown)})"
        start = f"between {_n(base.min())}{unit} and {_n(base.max())}{unit}"
    return (f"{_indicator(a, first['indicator'])}: {who}, from {start} in {int(first['baseline_year'])} to "
            f"{_n(float(first['target']))}{unit} by {int(first['target_year'])}.", len(rows))


# --- 5. what we do not know ---------------------------------------------------------------

GAP_WORDS = {
    "missing_disaggregation": ("breakdown of an indicator that the data cannot give",
                               "breakdowns of an indicator that the data cannot give"),
    "small_cells": ("group with too few survey cases", "groups with too few survey cases"),
    "no_survey_data": ("group named in the evidence that the survey does not cover",
                       "groups named in the evidence that the survey does not cover"),
    "framework_gap": ("characteristic the guide asks for that the data lack",
                      "characteristics the guide asks for that the data lack"),
}


def _unknown(s1: _Step1) -> list[Sentence]:
    a, gaps = s1.analysis, s1.gaps
    kinds = gaps["category"].value_counts()
    listed = [_count(int(kinds[k]), *GAP_WORDS[k]) for k in GAP_WORDS if kinds.get(k, 0)]
    out = [Sentence(UNKNOWN, f"Step 1 lists {_count(len(gaps), 'data gap')}"
                             + (f": {_listed(listed)}." if listed else "."), DATA_GAPS)]
    counts, rule = s1.info["counts"], a.settings.suppression
    if counts["estimates"]:
        out.append(Sentence(UNKNOWN, f"{counts['suppressed']:,} of the {counts['estimates']:,} estimates "
                                     f"({counts['suppressed'] / counts['estimates']:.0%}) are withheld because they "
                                     f"rest on fewer than {rule.min_n} survey cases, and {counts['caution']:,} more "
                                     f"rest on fewer than {rule.caution_n} and are shown with caution.", DATA_GAPS))
    impossible = [_breakdown(a, s) for s in gaps.loc[gaps["category"] == "missing_disaggregation", "subject"]]
    if impossible:
        shown = impossible[:LISTED] + ([f"{len(impossible) - LISTED} more"] if len(impossible) > LISTED else [])
        out.append(Sentence(UNKNOWN, f"No estimate is possible for {_listed(shown)}.", DATA_GAPS))
    framework = gaps.loc[gaps["category"] == "framework_gap", "detail"]
    out += [Sentence(UNKNOWN, d, DATA_GAPS) for d in framework.head(LISTED)]
    unseen = [group_id_label(g) if is_group_id(g) else g
              for g in gaps.loc[gaps["category"] == "no_survey_data", "subject"]]
    if unseen:
        shown = unseen[:LISTED] + ([f"{len(unseen) - LISTED} more"] if len(unseen) > LISTED else [])
        out.append(Sentence(UNKNOWN, f"The evidence names {_count(len(unseen), 'group')} that the survey does not "
                                     f"cover: {_listed(shown)}.", DATA_GAPS))
    return out


def _breakdown(a: Analysis, subject: str) -> str:
    """A data gap's subject 'stunting by disability' (two ids) in labels."""
    indicator, _, circumstance = subject.partition(" by ")
    return f"{_indicator(a, indicator)} by {_circumstance(a, circumstance).lower()}"
