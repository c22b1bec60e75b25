"""Scorecards: a rating scale and indicators defined in YAML, rated by the team year by year.

The engine is generic, like the UN system's inclusion scorecards the guide points to in Step 5
(gender, disability, youth): any scorecard with a scale and indicators grouped in areas works.
The workbook ships `lnob_scorecard.yaml`, a self-assessment of the country team's accountability
for LNOB written from the guide's Step 5 (UNSDG, "Operationalizing Leaving No One Behind").

A rating r on a scale from lo to hi scores (r - lo) / (hi - lo), so every scorecard scores 0-1.
Area and overall scores are the mean over the indicators rated that year (each indicator counts
once); `share_meets` is the share rated at or above the scale's "meets" level.

A score over a few rated indicators says little about the whole scorecard: one indicator rated
"meets" would read "67 out of 100, 100% at meets or above". So the headline always states the
coverage ("3 of 24 indicators rated in 2026") and gives the score only for a year in which at
least `headline_coverage` of the indicators are rated. That share is a setting of each
assessment in `step5_accountability.yaml` (`ScorecardAssessment.headline_coverage`, default
`HEADLINE_COVERAGE`, half).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import math

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from pydantic import Field, model_validator

from ..errors import InputError
from ..style import NATIONAL, SEQUENCE, finish_figure
from ..entries import Entry, EntryId, Record, duplicate_ids, fill_ids, raise_problems
from ..yamlstore import read_yaml

SHIPPED_SCORECARDS = {"lnob": "lnob_scorecard.yaml"}
ALL_AREAS = "All areas"
HEADLINE_COVERAGE = 0.5  # default share of indicators rated in a year before its score is given
_SHARE_WORDS = {0.25: "a quarter", 0.5: "half", 0.75: "three quarters"}


class ScaleLevel(Record):
    value: int
    label: str
    meaning: str = ""


class ScorecardIndicator(Entry):
    title: str
    guidance: str = Field(default="", description="What a rating at the 'meets' level looks like.")


class ScorecardArea(Entry):
    title: str
    indicators: list[ScorecardIndicator] = Field(min_length=1)


class Scorecard(Entry):
    """A scorecard definition: rating scale (ascending values), 'meets' level, areas of indicators."""

    title: str
    source: str = ""
    scale: list[ScaleLevel] = Field(min_length=2)
    meets: int
    areas: list[ScorecardArea] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> "Scorecard":
        values = [level.value for level in self.scale]
        problems = []
        if values != sorted(set(values)):
            problems.append(f"`scale` values {values} are not distinct and ascending; expected e.g. 1, 2, 3, 4")
        if self.meets not in values:
            problems.append(f"`meets` is {self.meets}, which is not on the scale; expected one of {values}")
        indicators = self.indicators()
        fill_ids(self.areas, "area")
        fill_ids(indicators, "indicator")
        problems += duplicate_ids(self.areas, "areas") + duplicate_ids(indicators, "indicators")
        raise_problems(problems)
        return self

    def indicators(self) -> list[ScorecardIndicator]:
        return [i for a in self.areas for i in a.indicators]

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator: area, indicator id, title, guidance."""
        return pd.DataFrame([(a.title, i.id, i.title, i.guidance) for a in self.areas for i in a.indicators],
                            columns=["area", "indicator_id", "indicator", "guidance"])


class Rating(Record):
    """One self-assessment entry: the rating given to one indicator in one year, with evidence."""

    year: int = Field(ge=2000, le=2100)
    indicator: EntryId
    rating: int
    evidence: str = ""
    note: str = ""


class ScorecardAssessment(Record):
    """The team's ratings against a shipped scorecard (`scorecard: lnob`) or one defined inline."""

    scorecard: str | None = "lnob"
    definition: Scorecard | None = None
    ratings: list[Rating] = Field(default_factory=list)
    headline_coverage: float = Field(
        default=HEADLINE_COVERAGE, gt=0, le=1,
        description="Share of the scorecard's indicators rated in a year before a score is given for it "
                    "(0.5 = half); below it the headline states the coverage only.")

    @model_validator(mode="after")
    def _check(self) -> "ScorecardAssessment":
        if self.definition is not None:
            self.scorecard = None
        elif self.scorecard not in SHIPPED_SCORECARDS:
            raise ValueError(f"`scorecard` is `{self.scorecard}`, which is not shipped; expected one of "
                             f"{', '.join(SHIPPED_SCORECARDS)} or an inline `definition`")
        raise_problems(rating_problems(self.resolved(), self.ratings, "ratings"))
        return self

    def resolved(self) -> Scorecard:
        """The scorecard definition these ratings refer to."""
        return self.definition if self.definition is not None else load_scorecard(str(self.scorecard))


@cache
def load_scorecard(name: str) -> Scorecard:
    """A shipped scorecard by name ("lnob")."""
    if name not in SHIPPED_SCORECARDS:
        raise InputError(f"scorecard `{name}` is not shipped; expected one of {', '.join(SHIPPED_SCORECARDS)}.")
    with resources.as_file(resources.files(__package__) / SHIPPED_SCORECARDS[name]) as path:
        return Scorecard.model_validate(read_yaml(path))


def rating_problems(card: Scorecard, ratings: list[Rating], place: str) -> list[str]:
    """Ratings for unknown indicators, off the scale, or given twice for the same year."""
    known = {i.id for i in card.indicators()}
    values = [level.value for level in card.scale]
    problems, seen = [], {}
    for n, r in enumerate(ratings, start=1):
        at = f"{place}[{n}] (year {r.year}, indicator `{r.indicator}`)"
        if r.indicator not in known:
            problems.append(f"{at}: `indicator` is not in the scorecard \"{card.title}\"; expected one of "
                            + ", ".join(f"`{k}`" for k in sorted(known)))
        if r.rating not in values:
            problems.append(f"{at}: `rating` {r.rating} is not on the scale; expected one of {values}")
        if (r.year, r.indicator) in seen:
            problems.append(f"{at}: this indicator is already rated for {r.year} in entry {seen[(r.year, r.indicator)]}; "
                            "expected one rating per indicator and year")
        seen.setdefault((r.year, r.indicator), n)
    return problems


@dataclass
class ScorecardScores:
    """Scores per indicator, per area and year, and overall per year.

    `headline_coverage` is the share of indicators a year needs rated before `headline`
    gives its score (module docstring).
    """

    card: Scorecard
    by_indicator: pd.DataFrame
    by_area: pd.DataFrame
    headline_coverage: float = HEADLINE_COVERAGE

    def overall(self) -> pd.DataFrame:
        return self.by_area[self.by_area["area"] == ALL_AREAS].reset_index(drop=True)

    @property
    def needed(self) -> int:
        """How many indicators a year needs rated before its score is given."""
        return math.ceil(self.headline_coverage * len(self.card.indicators()) - 1e-9)

    @property
    def scored(self) -> bool:
        """Whether the latest year has enough indicators rated for its score to be given."""
        overall = self.overall()
        return bool(not overall.empty and overall.iloc[-1]["rated"] >= self.needed)

    def coverage(self) -> str:
        """How many indicators are rated in the latest year, e.g. "3 of 24 indicators rated in 2026"."""
        total = len(self.card.indicators())
        overall = self.overall()
        if overall.empty:
            return f"0 of {total} indicators rated"
        last = overall.iloc[-1]
        return f"{int(last['rated'])} of {total} indicators rated in {int(last['year'])}"

    def headline(self) -> str:
        """The coverage of the latest year and, once enough indicators are rated, its overall score
        and the change since the first year that had enough; otherwise the threshold."""
        overall = self.overall()
        if overall.empty:
            return f"No rating recorded yet: {self.coverage()}."
        sentence = f"{self.coverage()}."
        if not self.scored:
            return f"{sentence} {self.threshold()}"
        covered = overall[overall["rated"] >= self.needed]
        last = overall.iloc[-1]
        first = covered.iloc[0]
        title = self.card.title if self.card.title[:2].isupper() else self.card.title[:1].lower() + self.card.title[1:]
        sentence += (f" In {int(last['year'])} the team scored {100 * last['score']:.0f} out of 100 on the "
                     f"{title}, with {100 * last['share_meets']:.0f}% of the rated indicators at "
                     "the \"meets\" level or above")
        if first["year"] != last["year"]:
            sentence += f" (from {100 * first['score']:.0f} in {int(first['year'])})"
        return sentence + "."

    def threshold(self) -> str:
        """The rule in words: "A score is given once at least half of the 24 indicators are rated."."""
        total = len(self.card.indicators())
        if self.headline_coverage >= 1:
            return f"A score is given once all {total} indicators are rated."
        share = _SHARE_WORDS.get(self.headline_coverage, f"{self.headline_coverage:.0%}")
        return f"A score is given once at least {share} of the {total} indicators are rated."

    def area_table(self) -> pd.DataFrame:
        """The area scores (0-100) with one column per year; empty when nothing is rated."""
        if self.by_area.empty:
            return pd.DataFrame()
        by_area = self.by_area.assign(score=(100 * self.by_area["score"]).round(0))
        table = by_area.pivot_table(index="area", columns="year", values="score", sort=False).reset_index()
        table.columns = [str(c) for c in table.columns]
        return table

    def to_frame(self) -> pd.DataFrame:
        """One row per year and area (plus "All areas"): rated, indicators, score, share_meets."""
        return self.by_area.copy()


def score_scorecard(card: Scorecard, ratings: list[Rating],
                    headline_coverage: float = HEADLINE_COVERAGE) -> ScorecardScores:
    """Score the ratings against `card` (checked first; problems raise InputError); the headline
    gives a year's score once `headline_coverage` of the indicators are rated."""
    problems = rating_problems(card, ratings, "ratings")
    if problems:
        raise InputError(problems)
    indicators = card.to_frame()
    given = pd.DataFrame([(r.year, r.indicator, r.rating, r.evidence) for r in ratings],
                         columns=["year", "indicator_id", "rating", "evidence"])
    lo, hi = card.scale[0].value, card.scale[-1].value
    labels = {level.value: level.label for level in card.scale}
    table = given.merge(indicators, on="indicator_id", how="left")
    table["rating_label"] = table["rating"].map(labels)
    table["score"] = (table["rating"] - lo) / (hi - lo)
    table["meets"] = table["rating"] >= card.meets
    table = table[["year", "area", "indicator_id", "indicator", "rating", "rating_label", "score", "meets", "evidence"]]
    size = indicators.groupby("area").size()
    per_area = table.groupby(["year", "area"], as_index=False).agg(
        rated=("score", "size"), score=("score", "mean"), share_meets=("meets", "mean"))
    per_area["indicators"] = per_area["area"].map(size).astype(int)
    overall = table.groupby("year", as_index=False).agg(
        rated=("score", "size"), score=("score", "mean"), share_meets=("meets", "mean"))
    overall["area"] = ALL_AREAS
    overall["indicators"] = len(indicators)
    order = {a.title: i for i, a in enumerate(card.areas)} | {ALL_AREAS: len(card.areas)}
    by_area = pd.concat([per_area, overall], ignore_index=True)
    by_area = by_area.sort_values(["year", "area"], key=lambda s: s.map(order) if s.name == "area" else s)
    by_area = by_area[["year", "area", "rated", "indicators", "score", "share_meets"]].reset_index(drop=True)
    return ScorecardScores(card=card, by_indicator=table.sort_values(["year", "indicator_id"]).reset_index(drop=True),
                           by_area=by_area, headline_coverage=headline_coverage)


def plot_scorecard_history(scores: ScorecardScores, source: str = "Team self-assessment, step5_accountability.yaml") -> Figure:
    """Score per area across years, with the overall score as a thick dark line."""
    fig, ax = plt.subplots(figsize=(9, 4.8))
    table = scores.by_area
    for colour, area in zip(SEQUENCE * 3, [a.title for a in scores.card.areas]):
        rows = table[table["area"] == area]
        if len(rows):
            ax.plot(rows["year"], 100 * rows["score"], marker="o", color=colour, label=area, lw=1.5)
    overall = scores.overall()
    ax.plot(overall["year"], 100 * overall["score"], marker="s", color=NATIONAL, lw=3, label=ALL_AREAS)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Score (0 = lowest, 100 = top rating)")
    ax.set_xticks(sorted(table["year"].unique()))
    ax.xaxis.set_major_formatter(lambda x, _: f"{int(x)}")
    ax.grid(axis="y", color="#dddddd")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    return finish_figure(fig, f"{scores.card.title}: scores by year", source)
