"""Gaps across the collaborative: which groups, indicators and factors no source, or only one, covers.

A data collaborative exists to find what nobody knows. For every indicator (ours and the
partners') and every group of one circumstance (each category our analysis defines, and each
group a partner shares), the sources with a published figure for it, in any year, are listed;
a group nobody covers, or only one source does, is a gap. A group some source measured but had too
few cases to publish (its withheld-cells log names it) is told apart from one nobody measured:
many are outside the indicator's population (men for births attended), and none is a gap to
fill by collecting the same data again. Groups are matched by their SDMX codes
(see `matching`), and each belongs to the factor of its circumstance (ours from analysis.yaml, a
partner's from the factors its rows carry). The gender view asks, for each indicator, whether
any source gives figures for women and men (SDMX SEX F and M).

Source names come from partners' manifests: they are kept as text, and the page escapes them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..config import FACTOR_LABELS, FACTORS, Analysis
from ..style import PALETTE, finish_figure
from .matching import group_text, joined, keyed_figures
from .package import Package
from .sdmx_csv import BREAKDOWN, GROUP_DIMENSIONS, TOTAL, breakdown_codes, sdg_codes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

OWN_NAME = "Our survey"
NO_SOURCE, WITHHELD, ONE_SOURCE, SEVERAL = "no source", "too few cases", "one source only", "several sources"
FRAME_COLUMNS = ("indicator_id", "indicator", "factor", "factor_label", "group", "ours", "n_sources", "sources",
                 "coverage")
GENDER_COLUMNS = ("indicator_id", "indicator", "by_sex", "sexes", "n_sources", "sources")
BOTH, WOMEN, MEN, NEITHER = "women and men", "women only", "men only", "none"
APART = "women and men, from different sources"
# the gaps in words, in the order `gap_rows` lists them
GAP_WORDS = {NO_SOURCE: "No source has a figure", ONE_SOURCE: "One source only",
             WITHHELD: "Measured, but too few cases to publish in every source"}
# cells of the figure: no source, one, two, three or more
COVER_COLOURS = (PALETTE["red"], PALETTE["yellow"], PALETTE["cyan"], PALETTE["blue"])
COVER_WORDS = ("No source", "One source", "Two sources", "Three or more")
_WRAP = 42


@dataclass(frozen=True)
class CoverageGaps:
    """Who covers which indicator and group, and the gaps that leaves."""

    coverage: pd.DataFrame   # FRAME_COLUMNS, and `names`: the covering sources as a tuple
    sex: pd.DataFrame        # GENDER_COLUMNS
    names: tuple[str, ...]   # our survey's name, then the partners'

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator and group of one circumstance: the sources covering it and how many;
        `coverage` is "no source" or "one source only" for a gap, "too few cases" where sources
        measured the group but withheld every figure, else "several sources"."""
        return self.coverage.drop(columns="names")

    def by_factor(self) -> pd.DataFrame:
        """Indicator (label) by factor (labels): the number of sources with a figure for any group of
        the factor; 0 where no one has one."""
        counted = {key: len(set().union(*rows)) for key, rows in
                   self.coverage.groupby(["indicator_id", "factor"], sort=False)["names"]}
        indicators = dict(zip(self.coverage["indicator_id"], self.coverage["indicator"]))
        wide = pd.DataFrame({"Indicator": list(indicators.values())})
        for factor in FACTORS:
            wide[FACTOR_LABELS[factor]] = [counted.get((i, factor), 0) for i in indicators]
        return wide

    def gender(self) -> pd.DataFrame:
        """Per indicator (GENDER_COLUMNS): whether some source gives figures for women and men (`by_sex`),
        which sexes the sources give at all (`sexes`), and the sources giving both (`n_sources`,
        `sources`; where none does, `sources` names those giving one sex)."""
        return self.sex.copy()

    def gap_rows(self) -> pd.DataFrame:
        """The gaps only, for people: one row per indicator and kind of gap (Indicator, Coverage,
        Groups, Which groups), groups nobody covers first."""
        frame = self.coverage[self.coverage["coverage"].isin(list(GAP_WORDS))]
        order = {kind: i for i, kind in enumerate(GAP_WORDS)}
        rows = [(order[kind], indicator, GAP_WORDS[kind] + (f": {sources}" if kind == ONE_SOURCE else ""),
                 len(part), "; ".join(part["group"]))
                for (indicator, kind, sources), part in frame.groupby(["indicator", "coverage", "sources"], sort=False)]
        table = pd.DataFrame(rows, columns=["_order", "Indicator", "Coverage", "Groups", "Which groups"])
        return table.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)

    def gender_for_people(self) -> pd.DataFrame:
        """The gender view with readable headers: Indicator, Figures by sex, Sources giving both, Sources."""
        return pd.DataFrame({"Indicator": self.sex["indicator"], "Figures by sex": self.sex["sexes"].str.capitalize(),
                             "Sources giving both": self.sex["n_sources"], "Sources": self.sex["sources"]})

    def gender_sentence(self) -> str:
        """The indicators no source gives by sex, named in a sentence."""
        none = self.sex.loc[self.sex["sexes"] == NEITHER, "indicator"].tolist()
        one = self.sex[self.sex["sexes"].isin([WOMEN, MEN])]
        said = []
        if none:
            said.append(f"No source gives {joined(none)} by sex.")
        for sexes, rows in one.groupby("sexes", sort=False):
            labels = rows["indicator"].tolist()
            said.append(f"{joined(labels)} {'has' if len(labels) == 1 else 'have'} figures for {sexes}.")
        if not none:
            said.insert(0, "Every indicator has figures for women and men from at least one source"
                        + (", except those for one sex only." if len(one) else "."))
        return " ".join(said)

    def sentences(self) -> list[str]:
        """The main gaps, in two to four plain sentences for a report."""
        wide = self.by_factor().set_index("Indicator")
        total = len(wide)
        said = []
        none = (wide == 0).sum()
        everywhere = [label.lower() for label, k in none.items() if k == total]
        some = [f"{label.lower()} for {k} of {total} indicators" for label, k in none.items() if 0 < k < total]
        if everywhere or some:
            said.append("No source has figures on groups of " + "; nor of ".join(
                ([f"{joined(everywhere, 'or')} for any indicator"] if everywhere else []) + ([joined(some)] if some
                                                                                           else [])) + ".")
        else:
            said.append("Every indicator has figures from at least one source on each of the five factors.")
        lone = [label.lower() for label in wide.columns if ((wide[label] == 1).sum() * 2 > total)]
        if lone:
            said.append(f"For most indicators, {joined(lone)} rest{'s' if len(lone) == 1 else ''} on one "
                        "source only, so nothing confirms or questions those figures.")
        gaps = self.coverage[self.coverage["coverage"] == NO_SOURCE]
        if len(gaps):
            top = gaps["group"].value_counts().head(3)
            examples = joined([f"{group} ({k} indicator{'s' if k > 1 else ''})" for group, k in top.items()])
            said.append(f"{len(gaps):,} of {len(self.coverage):,} pairs of an indicator and a group have no "
                        f"figure from any source, most often {examples}.")
        withheld = self.coverage[self.coverage["coverage"] == WITHHELD]
        if len(withheld):
            first = withheld.iloc[0]
            lead = (f"A further {len(withheld):,}" if len(gaps) else
                    f"{len(withheld):,} of {len(self.coverage):,} pairs of an indicator and a group")
            said.append(f"{lead} were measured but had too few cases to publish in every "
                        f"source, many because the group lies outside the indicator's population (such as "
                        f"{first['group']} for {first['indicator']}).")
        said.append(self.gender_sentence())
        return said

    def figure(self) -> Figure:
        """Indicators by factors, each cell coloured by the number of sources covering it; 0 in red."""
        import matplotlib.pyplot as plt
        from matplotlib.colors import BoundaryNorm, ListedColormap
        from matplotlib.patches import Patch

        wide = self.by_factor()
        counts = wide[list(FACTOR_LABELS.values())].to_numpy(dtype=int)
        rows, cols = counts.shape
        fig, ax = plt.subplots(figsize=(10, 1.6 + 0.42 * max(rows, 3)))
        norm = BoundaryNorm([-0.5, 0.5, 1.5, 2.5, np.inf], len(COVER_COLOURS))
        ax.imshow(counts, cmap=ListedColormap(COVER_COLOURS), norm=norm, aspect="auto")
        for (i, j), k in np.ndenumerate(counts):
            ax.text(j, i, str(k), ha="center", va="center", fontsize=10, color="white" if k >= 3 else "black")
        ax.set_xticks(range(cols), [textwrap.fill(label, 14) for label in FACTOR_LABELS.values()], fontsize=9)
        ax.set_yticks(range(rows), [textwrap.fill(textwrap.shorten(label, 2 * _WRAP, placeholder="..."), _WRAP)
                                    for label in wide["Indicator"]], fontsize=9)
        ax.xaxis.tick_top()
        ax.tick_params(which="both", length=0)
        ax.set_xticks(np.arange(-0.5, cols), minor=True)
        ax.set_yticks(np.arange(-0.5, rows), minor=True)
        ax.grid(which="minor", color="white", linewidth=2)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.legend(handles=[Patch(color=c, label=w) for c, w in zip(COVER_COLOURS, COVER_WORDS)],
                  loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9,
                  title="Sources with figures", title_fontsize=9)
        partners = "contribution packages of " + "; ".join(self.names[1:]) if len(self.names) > 1 else \
            "no partner's package yet"
        return finish_figure(fig, "Which factors each indicator has figures on, and from how many sources",
                             f"{self.names[0]}; {partners}")


def coverage_gaps(analysis: Analysis, own: pd.DataFrame, contributions: Sequence[Package],
                  own_name: str = OWN_NAME, own_withheld: pd.DataFrame | None = None) -> CoverageGaps:
    """Coverage of every indicator and group of one circumstance by our figures (`own`) and the partners'.

    `own_withheld` is our log of withheld cells (as `aggregates.shared_aggregates` gives it); with
    the partners' logs it tells "measured, too few cases" apart from "not measured".
    """
    names = (own_name, *(p.manifest.partner.name for p in contributions))
    keyed = [keyed_figures(own), *(keyed_figures(p.aggregates) for p in contributions)]
    factor_of = {c.id: c.factor for c in analysis.circumstances}
    groups, key_of = _analysis_groups(analysis, keyed[0])
    logs = [log for log in (own_withheld, *(p.withheld for p in contributions)) if log is not None]
    measured = {(ind, key_of[(dim, sub)]) for log in logs
                for ind, dim, sub in zip(log["indicator_abbr"], log["dimension_id"], log["subgroup"])
                if (dim, sub) in key_of}
    covered: dict[tuple[str, tuple[str, ...]], set[str]] = {}
    indicators = {i.id: i.label for i in analysis.indicators}
    for name, figures, is_own in zip(names, keyed, [True] + [False] * len(contributions)):
        for ind, label in zip(figures["indicator_id"], figures["indicator"]):
            indicators.setdefault(ind, label)
        single = figures[figures["conditions"] == 1]
        factors = factor_of if is_own else _partner_factors(figures)
        for row in single.itertuples(index=False):
            key = tuple(getattr(row, d) for d in GROUP_DIMENSIONS)
            groups.setdefault(key, (group_text(row.dimension, row.subgroup), factors.get(row.dimension_id, ""),
                                    False))
            covered.setdefault((row.indicator_id, key), set()).add(name)
    rows = []
    for ind, label in indicators.items():
        for key, (text, factor, ours) in groups.items():
            found = [n for n in names if n in covered.get((ind, key), set())]
            nobody = WITHHELD if (ind, key) in measured else NO_SOURCE
            rows.append((ind, label, factor, FACTOR_LABELS.get(factor, "Not known"), text, ours, len(found),
                         "; ".join(found), nobody if not found else ONE_SOURCE if len(found) == 1 else SEVERAL,
                         tuple(found)))
    coverage = pd.DataFrame(rows, columns=[*FRAME_COLUMNS, "names"]).astype(
        {c: "str" for c in FRAME_COLUMNS if c not in ("ours", "n_sources")})
    return CoverageGaps(coverage=coverage, sex=_by_sex(indicators, names, keyed), names=names)


def _analysis_groups(analysis: Analysis, ours: pd.DataFrame
                     ) -> tuple[dict[tuple[str, ...], tuple[str, str, bool]], dict[tuple[str, str], tuple[str, ...]]]:
    """SDMX group codes -> (readable group, factor, True) for each category of each circumstance of
    the analysis, coded as `sdmx_csv` codes our package; and (circumstance id, category) -> codes."""
    categories = {c.id: c.category_order or list(dict.fromkeys(ours.loc[ours["dimension_id"] == c.id, "subgroup"]))
                  for c in analysis.circumstances}
    sdg = sdg_codes({cid: cats for cid, cats in categories.items() if cats})
    groups, key_of = {}, {}
    for c in analysis.circumstances:
        extra = breakdown_codes(c.id, categories[c.id])
        for category in categories[c.id]:
            key = dict.fromkeys(GROUP_DIMENSIONS, TOTAL)
            if c.id in sdg:
                dimension, codes = sdg[c.id]
                key[dimension] = codes[category]
            else:
                key[BREAKDOWN] = extra[category]
            groups[tuple(key.values())] = (group_text(c.label, category), c.factor, True)
            key_of[(c.id, category)] = tuple(key.values())
    return groups, key_of


def _partner_factors(figures: pd.DataFrame) -> dict[str, str]:
    """A partner's dimension id -> the factor its rows carry (the first one, for crossed groups)."""
    found: dict[str, str] = {}
    for dimension, factors in zip(figures["dimension_id"], figures["factors"]):
        first = next((f for f in factors.split(";") if f in FACTOR_LABELS), "")
        if first and dimension not in found:
            found[dimension] = first
    return found


def _by_sex(indicators: dict[str, str], names: tuple[str, ...], keyed: list[pd.DataFrame]) -> pd.DataFrame:
    """GENDER_COLUMNS for every indicator, from every figure coded SEX F or M (crossed groups too)."""
    sexes: dict[str, dict[str, set[str]]] = {}
    for name, figures in zip(names, keyed):
        coded = figures[figures["SEX"].isin(["F", "M"])]
        for ind, codes in coded.groupby("indicator_id")["SEX"]:
            sexes.setdefault(ind, {})[name] = set(codes)
    rows = []
    for ind, label in indicators.items():
        given = sexes.get(ind, {})
        both = [n for n in names if given.get(n) == {"F", "M"}]
        seen = set().union(*given.values()) if given else set()
        words = (BOTH if both else WOMEN if seen == {"F"} else MEN if seen == {"M"} else APART if seen
                 else NEITHER)
        shown = both or [n for n in names if n in given]
        rows.append((ind, label, bool(both), words, len(both), "; ".join(shown)))
    return pd.DataFrame(rows, columns=list(GENDER_COLUMNS)).astype(
        {c: "str" for c in GENDER_COLUMNS if c not in ("by_sex", "n_sources")})

