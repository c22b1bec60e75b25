"""Step 1's triangulation: our survey's figure for each group beside every partner's, with agreement flags.

The good practice note asks Step 1 to draw on every source and to triangulate them. For each
year, indicator and group, the analysis's own published figure is set beside the figure of
each partner that has the same group (matched by SDMX codes, see `matching`), with the
partner's source type and its quality assessment in words. Each figure is flagged:

- "agree": the two intervals overlap, or, where one figure has no interval, its point lies
  inside the other's interval; two figures without an interval agree only when they are equal;
- "differ": they do not;
- "one source only": no other source has that group, indicator and year.

A figure without variation in its sample (everyone or no one, 0% or 100%) has a zero-width
interval that says nothing about its precision; it is given the one-sided "rule of three"
interval instead (no event among n cases: the true share is below 3/n with about 95%
confidence), so 100% from 40 women agrees with 98.5% (97.0-99.4) from the survey, and 0%
against 100% still differs.

A partner's figure is compared with ours where we have one, otherwise with the other partners'
figures for the same group; ours is compared with every partner's. A partner's figure on another
scale (per 1,000 against our percent) is put on ours before it is compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import Analysis
from ..privacy import FLAG_NO_VARIATION
from ..render import interval
from .aggregates import shared_aggregates, step1_tables
from .manifest import SOURCE_TYPE_LABELS
from .matching import GROUP_CODES, KEY, group_text, keyed_figures
from .package import Package
from .quality import NOT_REQUIRED, quality_words

AGREE, DIFFER, ONE_SOURCE = "agree", "differ", "one source only"
AGREEMENT_WORDS = {
    AGREE: "Agree within the intervals",
    DIFFER: "Differ: the intervals do not overlap",
    ONE_SOURCE: "One source only",
}
OWN, PARTNER = "own", "partner"
NO_FIGURE = "no figure"
FRAME_COLUMNS = ("year", "indicator_id", "indicator", "group", "dimension", "subgroup", "source_index", "source",
                 "role", "source_type", "source_type_label", "quality", "estimate", "ci_lb", "ci_ub", "n", "flag",
                 "agreement", "compared", *GROUP_CODES, "conditions")
PEOPLE_HEADERS = ("Year", "Indicator", "Group", "Our survey", "Partner", "Source type", "Partner's figure",
                  "Quality of the partner's data", "Agreement")
SUMMARY_HEADERS = ("Source", "Source type", "Quality", "Figures", "Agree", "Differ", "One source only")
_TOLERANCE = 1e-9


def own_figures(analysis: Analysis) -> pd.DataFrame:
    """The analysis's own published figures, exactly as its contribution package would hold them."""
    return shared_aggregates(step1_tables(analysis.outputs))[0]


@dataclass(frozen=True)
class Triangulation:
    """Every source's figure for every group, indicator and year, flagged against the others."""

    figures: pd.DataFrame   # FRAME_COLUMNS, our survey's rows first, then each partner's
    sources: pd.DataFrame   # source_index, source, role, source_type, source_type_label, quality
    own_name: str

    def to_frame(self) -> pd.DataFrame:
        """One row per group x indicator x year x source (FRAME_COLUMNS), with its agreement flag."""
        return self.figures.copy()

    def summary(self) -> pd.DataFrame:
        """Per source (ours first): its figures and how many agree, differ or stand alone; readable headers."""
        counts = (self.figures.groupby(["source_index", "agreement"]).size().unstack(fill_value=0)
                  .reindex(index=self.sources["source_index"], columns=list(AGREEMENT_WORDS), fill_value=0))
        rows = [(s.source, s.source_type_label, s.quality, int(counts.loc[s.source_index].sum()),
                 *(int(counts.loc[s.source_index, flag]) for flag in AGREEMENT_WORDS))
                for s in self.sources.itertuples()]
        return pd.DataFrame(rows, columns=list(SUMMARY_HEADERS)).astype(
            {h: "str" for h in SUMMARY_HEADERS[:3]})

    def sentences(self) -> list[str]:
        """What the triangulation found, one plain sentence per source."""
        said, summary = [], self.summary()
        for row in summary.iloc[1:].itertuples(index=False):
            name, figures, agree, differ, alone = row[0], row[3], row[4], row[5], row[6]
            if figures and alone == figures:
                said.append(f"None of the {figures:,} figures {name} shares has a match in another source: its "
                            "indicators, years or groups differ from everyone else's.")
            else:
                said.append(f"Of the {figures:,} figures {name} shares, {agree:,} agree with the other sources "
                            f"within the intervals, {differ:,} differ and {alone:,} come from it alone.")
        own = summary.iloc[0]
        if len(self.sources) == 1:
            said.append(f"No partner's figures are included, so each of the {own['Figures']:,} figures of "
                        f"{self.own_name} comes from one source only.")
        else:
            said.append(f"{self.own_name}: {own['Agree']:,} of its {own['Figures']:,} figures agree with every "
                        f"partner that has the same group, {own['Differ']:,} differ from at least one, and "
                        f"{own['One source only']:,} are ours alone.")
        return said

    def for_people(self, *, indicators: Sequence[str] | None = None, years: Sequence[int] | None = None,
                   agreement: Sequence[str] | None = None, crossed: bool = True, digits: int = 1) -> pd.DataFrame:
        """Our figure beside each partner's, in words (PEOPLE_HEADERS); our figures no partner has on a
        line of their own. Filters: indicator ids, years, agreement flags; `crossed=False` keeps groups
        of one circumstance and the national figure."""
        f = self.figures
        keys = list(KEY)
        own = f[f["role"] == OWN].assign(order=np.arange((f["role"] == OWN).sum()))
        mine = own[[*keys, "order", "indicator", "group", "estimate", "ci_lb", "ci_ub", "flag"]]
        lines = f[f["role"] == PARTNER].merge(mine, on=keys, how="left", suffixes=("", "_own"))
        alone = own[own["agreement"] == ONE_SOURCE]
        lines = pd.concat([lines, alone.rename(columns={c: f"{c}_own" for c in
                                                        ("indicator", "group", "estimate", "ci_lb", "ci_ub", "flag")})
                          ], ignore_index=True)
        keep = np.ones(len(lines), dtype=bool)
        if indicators is not None:
            keep &= lines["indicator_id"].isin(list(indicators)).to_numpy()
        if years is not None:
            keep &= lines["year"].isin([int(y) for y in years]).to_numpy()
        if agreement is not None:
            keep &= lines["agreement"].isin(list(agreement)).to_numpy()
        if not crossed:
            keep &= (lines["conditions"] <= 1).to_numpy()
        lines = lines[keep]
        first = {ind: i for i, ind in enumerate(dict.fromkeys(f["indicator_id"]))}
        lines = lines.assign(
            _ind=lines["indicator_id"].map(first),
            _group=lines["order"].fillna(len(own) + pd.Series(np.arange(len(lines)), index=lines.index)),
        ).sort_values(["year", "_ind", "_group", "source_index"], kind="stable")
        has_own = lines["order"].notna()
        partner = lines["source_index"] > 0
        table = pd.DataFrame({
            "Year": lines["year"].astype("int64").to_numpy(),
            "Indicator": np.where(has_own, lines["indicator_own"], lines["indicator"]),
            "Group": np.where(has_own, lines["group_own"], lines["group"]),
            "Our survey": [interval(e, lo, hi, fl, digits) if o else NO_FIGURE for e, lo, hi, fl, o in
                           zip(lines["estimate_own"], lines["ci_lb_own"], lines["ci_ub_own"], lines["flag_own"],
                               has_own)],
            "Partner": np.where(partner, lines["source"], ""),
            "Source type": np.where(partner, lines["source_type_label"], ""),
            "Partner's figure": [interval(e, lo, hi, fl, digits) if p else "" for e, lo, hi, fl, p in
                                 zip(lines["estimate"], lines["ci_lb"], lines["ci_ub"], lines["flag"], partner)],
            "Quality of the partner's data": np.where(partner, lines["quality"], ""),
            "Agreement": lines["agreement"].map(AGREEMENT_WORDS).to_numpy(),
        })
        return table.astype({h: "str" for h in PEOPLE_HEADERS if h != "Year"}).reset_index(drop=True)


def triangulate(own: pd.DataFrame, own_name: str, contributions: Sequence[Package]) -> Triangulation:
    """Our figures (`own`, a package's aggregates columns) beside each contribution's, flagged."""
    sources = [(0, own_name, OWN, "survey", NOT_REQUIRED)]
    sources += [(i, p.manifest.partner.name, PARTNER, p.manifest.source_type, quality_words(p.manifest))
                for i, p in enumerate(contributions, start=1)]
    ours = keyed_figures(own)
    scale = dict(zip(ours["indicator_id"], ours["scale"]))
    frames = [_labelled(ours, sources[0])]
    for package, source in zip(contributions, sources[1:]):
        frames.append(_labelled(_on_our_scale(keyed_figures(package.aggregates), scale), source))
    figures = pd.concat(frames, ignore_index=True)
    figures["compared"], figures["agreement"] = _flags(figures)
    table = pd.DataFrame(sources, columns=["source_index", "source", "role", "source_type", "quality"])
    table.insert(4, "source_type_label", table["source_type"].map(SOURCE_TYPE_LABELS))
    return Triangulation(figures=figures[list(FRAME_COLUMNS)], sources=table, own_name=own_name)


def _labelled(keyed: pd.DataFrame, source: tuple) -> pd.DataFrame:
    index, name, role, source_type, quality = source
    return keyed.assign(
        group=[group_text(d, s) for d, s in zip(keyed["dimension"], keyed["subgroup"])],
        source_index=index, source=name, role=role, source_type=source_type,
        source_type_label=SOURCE_TYPE_LABELS[source_type], quality=quality)


def _on_our_scale(keyed: pd.DataFrame, scale: dict[str, float]) -> pd.DataFrame:
    """A partner's estimates and bounds on our indicator scale where both scales are known."""
    ours = keyed["indicator_id"].map(scale).astype(float)
    factor = (ours / keyed["scale"]).where(ours.notna() & (keyed["scale"] > 0), 1.0)
    return keyed.assign(**{c: keyed[c] * factor for c in ("estimate", "ci_lb", "ci_ub")},
                        scale=ours.fillna(keyed["scale"]))


def _flags(figures: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """How many figures each row was compared with, and its flag."""
    keys = list(KEY)
    low, high = _bounds(figures)
    rows = figures[[*keys, "source_index", "role", "estimate"]].assign(
        low=low, high=high, row=np.arange(len(figures)),
        has_own=(figures["role"] == OWN).groupby([figures[k] for k in keys]).transform("any"))
    pairs = rows.merge(rows.drop(columns="has_own"), on=keys, suffixes=("", "_other"))
    pairs = pairs[(pairs["source_index"] != pairs["source_index_other"])
                  & ((pairs["role"] == OWN) | (pairs["role_other"] == OWN) | ~pairs["has_own"])]
    agree = _agree(*(pairs[c].to_numpy(dtype=float) for c in ("estimate", "low", "high")),
                   *(pairs[f"{c}_other"].to_numpy(dtype=float) for c in ("estimate", "low", "high")))
    by_row = pd.DataFrame({"row": pairs["row"].to_numpy(), "differ": ~agree}).groupby("row")["differ"]
    compared = by_row.size().reindex(range(len(figures)), fill_value=0).to_numpy()
    differs = by_row.any().reindex(range(len(figures)), fill_value=False).to_numpy(dtype=bool)
    return compared, np.select([compared == 0, differs], [ONE_SOURCE, DIFFER], AGREE)


def _bounds(figures: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The interval each figure is compared with: its own, or the rule of three where its sample
    had no variation (flagged so, or a zero-width interval at 0 or at the top of the scale)."""
    est, low, high, n, scale = (figures[c].to_numpy(dtype=float) for c in ("estimate", "ci_lb", "ci_ub", "n",
                                                                            "scale"))
    tol = _TOLERANCE * np.maximum(1.0, np.abs(scale))
    with np.errstate(invalid="ignore", divide="ignore"):
        flat = (figures["flag"].to_numpy() == FLAG_NO_VARIATION) | (
            (np.abs(high - low) <= tol) & ((np.abs(est) <= tol) | (np.abs(est - scale) <= tol)))
        width = scale * np.minimum(1.0, 3.0 / n)
    top = est > scale / 2
    return (np.where(flat, np.where(top, scale - width, 0.0), low),
            np.where(flat, np.where(top, scale, width), high))


def _agree(e1, lo1, hi1, e2, lo2, hi2) -> np.ndarray:
    """True where two figures agree: intervals overlap, else a point inside the other's interval,
    else equal points."""
    tol = _TOLERANCE * np.maximum(1.0, np.maximum(np.abs(e1), np.abs(e2)))
    has1, has2 = np.isfinite(lo1) & np.isfinite(hi1), np.isfinite(lo2) & np.isfinite(hi2)
    with np.errstate(invalid="ignore"):
        overlap = (lo1 <= hi2 + tol) & (lo2 <= hi1 + tol)
        inside1 = (lo1 - tol <= e2) & (e2 <= hi1 + tol)   # the other's point inside the first's interval
        inside2 = (lo2 - tol <= e1) & (e1 <= hi2 + tol)
        equal = np.abs(e1 - e2) <= tol
    return np.select([has1 & has2, has1, has2], [overlap, inside1, inside2], equal)
