"""Scorecards: a rating scale and indicators defined in YAML, rated by the team year by year.

The engine is generic, like the UN system's inclusion scorecards the guide points to in Step 5
(gender, disability, youth): any scorecard with a scale and indicators grouped in areas works.
The workbook ships `lnob_scorecard.yaml`, a self-assessment of the country team's accountability
for LNOB written from the guide's Step 5 (UNSDG, "Operationalizing Leaving No One Behind").

A rating r on a scale from lo to hi scores (r - lo) / (hi - lo), so every scorecard scores 0-1.
Area and overall scores are the mean over the indicators rated that year (each indicator counts
once); `share_meets` is the share rated at or above the scale's "meets" level.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

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
    """Scores per indicator, per area and year, and overall per year."""

    card: Scorecard
    by_indicator: pd.DataFrame
    by_area: pd.DataFrame

    def overall(self) -> pd.DataFrame:
        return self.by_area[self.by_area["area"] == ALL_AREAS].reset_index(drop=True)

    def headline(self) -> str:
        """A sentence on the latest overall score and the change since the first year."""
        overall = self.overall()
        if overall.empty:
            return "No rating recorded yet."
        last, first = overall.iloc[-1], overall.iloc[0]
        sentence = (f"In {int(last['year'])} the team scored {100 * last['score']:.0f} out of 100 on the "
                    f"{self.card.title.lower()}, with {100 * last['share_meets']:.0f}% of the rated indicators at "
                    "the \"meets\" level or above")
        if len(overall) > 1:
            sentence += f" (from {100 * first['score']:.0f} in {int(first['year'])})"
        return sentence + "."

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


def score_scorecard(card: Scorecard, ratings: list[Rating]) -> ScorecardScores:
    """Score the ratings against `card` (checked first; problems raise InputError)."""
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
                           by_area=by_area)


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
