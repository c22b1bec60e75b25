"""Triangulation in Step 1 (issue 16): our survey's figures beside the partners', with agreement flags.

The statistics office's own figures are "ours"; its package and the women's network's are the
contributions. Tampered copies of a package (made with `dataclasses.replace`) force a
disagreement, rename labels and ids, and carry hostile text.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from hostile import HYPERLINK, IMG, SCRIPT
from lnob_helpers.collab.package import Package, read_package
from lnob_helpers.collab.quality import NOT_REQUIRED, QUALITY_HEADERS, quality_table, quality_words
from lnob_helpers.collab.triangulate import (AGREE, AGREEMENT_WORDS, DIFFER, FRAME_COLUMNS, ONE_SOURCE, OWN,
                                             PEOPLE_HEADERS, own_figures, triangulate)
from lnob_helpers.config import load_analysis
from lnob_helpers.render import interval

OURS = "Our survey"


@pytest.fixture(scope="module")
def office(partners) -> Package:
    return read_package(partners.office_package)


@pytest.fixture(scope="module")
def network(partners) -> Package:
    return read_package(partners.network_package)


@pytest.fixture(scope="module")
def own(partners) -> pd.DataFrame:
    return own_figures(load_analysis(partners.office_folder))


@pytest.fixture(scope="module")
def both(own, office, network):
    return triangulate(own, OURS, [office, network])


def _with_figures(package: Package, figures: pd.DataFrame, **manifest) -> Package:
    """A copy of `package` with other figures and, optionally, manifest fields."""
    return dataclasses.replace(package, aggregates=figures.reset_index(drop=True),
                               manifest=package.manifest.model_copy(update=manifest))


def _rows(frame: pd.DataFrame, source: int) -> pd.DataFrame:
    return frame[frame["source_index"] == source]


def test_the_office_package_agrees_with_the_office_figures(both, own):
    frame = both.to_frame()
    assert list(frame.columns) == list(FRAME_COLUMNS)
    office = _rows(frame, 1)
    assert len(office) == len(_rows(frame, 0)) == len(own)
    assert (office["agreement"] == AGREE).all() and (office["compared"] >= 1).all()
    ours = _rows(frame, 0)
    assert np.allclose(office["estimate"].to_numpy(), ours["estimate"].to_numpy())
    assert set(office["source"]) == {"Aruvia Statistics Office"} and set(office["source_type"]) == {"survey"}
    assert set(ours["role"]) == {OWN} and set(ours["source"]) == {OURS}


def test_the_network_mostly_agrees_and_adds_little(both, network):
    rows = _rows(both.to_frame(), 2)
    assert len(rows) == len(network.aggregates)
    counts = rows["agreement"].value_counts()
    assert counts.get(AGREE, 0) > 0.9 * len(rows)
    assert counts.get(ONE_SOURCE, 0) < 0.05 * len(rows)
    assert set(rows["year"]) == {2024}
    assert set(rows["quality"]) == {"3 of 5 criteria met; partly met: sampling or coverage, validation"}
    assert set(rows["source_type_label"]) == {"Citizen-generated data"}
    summary = both.summary().set_index("Source")
    assert summary.loc["Aruvia Women's Network", "Figures"] == len(rows)
    assert summary.loc["Aruvia Women's Network", "Agree"] == counts.get(AGREE, 0)


def test_a_shifted_figure_differs(own, network):
    figures = network.aggregates.copy()
    pick = ((figures["date"] == 2024) & (figures["indicator_abbr"] == "water")
            & (figures["group_id"] == "sex=Female"))
    assert pick.sum() == 1
    figures.loc[pick, ["estimate", "ci_lb", "ci_ub"]] -= 30
    result = triangulate(own, OURS, [_with_figures(network, figures)])
    frame = result.to_frame()
    water = (frame["year"] == 2024) & (frame["indicator_id"] == "water") & (frame["conditions"] == 1)
    assert frame.loc[water & (frame["SEX"] == "F"), "agreement"].tolist() == [DIFFER, DIFFER]  # ours and theirs
    assert frame.loc[water & (frame["SEX"] == "M"), "agreement"].tolist() == [AGREE, AGREE]
    line = result.for_people(indicators=["water"], years=[2024], agreement=[DIFFER])
    assert len(line) == 1
    assert line.loc[0, "Group"] == "Sex: Female"
    assert line.loc[0, "Agreement"] == AGREEMENT_WORDS[DIFFER]
    assert line.loc[0, "Partner"] == "Aruvia Women's Network"
    ours = own[(own["date"] == 2024) & (own["indicator_abbr"] == "water") & (own["group_id"] == "sex=Female")]
    assert line.loc[0, "Our survey"] == interval(*ours[["estimate", "ci_lb", "ci_ub", "flag"]].iloc[0])
    assert result.summary().set_index("Source").loc["Aruvia Women's Network", "Differ"] >= 1


def test_groups_only_the_office_covers_are_one_source_only(own, network):
    frame = triangulate(own, OURS, [network]).to_frame()
    ours = _rows(frame, 0)
    assert (ours.loc[ours["year"] == 2019, "agreement"] == ONE_SOURCE).all()   # the network has 2024 only
    wealth = ours["INCOME_WEALTH_QUANTILE"] != "_T"
    assert wealth.any() and (ours.loc[wealth, "agreement"] == ONE_SOURCE).all()
    sex_2024 = (ours["year"] == 2024) & (ours["SEX"] != "_T") & (ours["conditions"] == 1)
    assert sex_2024.any() and (ours.loc[sex_2024, "agreement"] == AGREE).all()


def test_groups_match_by_codes_when_labels_and_ids_differ(own, network):
    figures = network.aggregates[network.aggregates["dimension_id"] == "sex"].copy()
    figures["dimension"] = "Gender of the respondent"
    figures["dimension_id"] = "gender"
    figures["subgroup"] = figures["subgroup"].str.upper()
    figures["group_id"] = "gender=" + figures["subgroup"]
    renamed = _with_figures(network, figures)
    result = triangulate(own, OURS, [renamed])
    theirs = _rows(result.to_frame(), 1)
    assert set(theirs["subgroup"]) == {"FEMALE", "MALE"}
    assert (theirs["agreement"] == AGREE).all() and (theirs["compared"] == 1).all()
    lines = result.for_people(years=[2024], crossed=False, agreement=[AGREE])
    assert set(lines["Group"]) == {"Sex: Female", "Sex: Male"}   # our labels, where we have the group


def test_other_indicator_ids_match_nothing(own, network):
    figures = network.aggregates.assign(indicator_abbr="cgd_" + network.aggregates["indicator_abbr"])
    result = triangulate(own, OURS, [_with_figures(network, figures)])
    assert (result.to_frame()["agreement"] == ONE_SOURCE).all()
    assert "None of the" in result.sentences()[0]


def test_figures_without_variation_are_not_called_different(own, network):
    pick = (own["date"] == 2024) & (own["indicator_abbr"] == "electricity") & (own["group_id"] == "area=Urban")
    ours = own.copy()
    ours.loc[pick, ["estimate", "ci_lb", "ci_ub"]] = [98.5, 97.0, 99.4]
    figures = network.aggregates.copy()
    theirs = (figures["date"] == 2024) & (figures["indicator_abbr"] == "electricity") & (
        figures["group_id"] == "area=Urban")
    for value, expected in ((100.0, AGREE), (0.0, DIFFER)):
        figures.loc[theirs, ["estimate", "ci_lb", "ci_ub", "n", "flag"]] = [value, value, value, 40, "no variation"]
        frame = triangulate(ours, OURS, [_with_figures(network, figures)]).to_frame()
        row = frame[(frame["source_index"] == 1) & (frame["year"] == 2024) & (frame["indicator_id"] == "electricity")
                    & (frame["URBANISATION"] == "U") & (frame["conditions"] == 1)]
        assert row["agreement"].tolist() == [expected], value


def test_for_people_reads_labels_never_ids(both, own):
    table = both.for_people(years=[2024], crossed=False)
    assert list(table.columns) == list(PEOPLE_HEADERS)
    assert not set(table["Indicator"]) & set(own["indicator_abbr"])
    assert not table["Group"].str.contains("=").any()
    assert set(table["Agreement"]) <= set(AGREEMENT_WORDS.values())
    assert set(table["Partner"]) == {"Aruvia Statistics Office", "Aruvia Women's Network"}
    network = table[table["Partner"] == "Aruvia Women's Network"]
    assert set(network["Source type"]) == {"Citizen-generated data"}
    assert network["Quality of the partner's data"].str.startswith("3 of 5 criteria met").all()
    national = table[(table["Group"] == "National") & (table["Partner"] == "Aruvia Women's Network")]
    assert len(national) == own["indicator_abbr"].nunique()
    assert national["Our survey"].str.fullmatch(r"\d+\.\d \(\d+\.\d-\d+\.\d\)( \(c\))?").all()
    assert len(both.for_people()) > len(table)


def test_no_partner_means_one_source_only(own):
    result = triangulate(own, OURS, [])
    assert (result.to_frame()["agreement"] == ONE_SOURCE).all()
    table = result.for_people(years=[2019], crossed=False)
    assert (table["Partner"] == "").all() and (table["Agreement"] == AGREEMENT_WORDS[ONE_SOURCE]).all()
    assert len(result.summary()) == 1
    assert result.sentences() == [f"No partner's figures are included, so each of the {len(own):,} figures of "
                                  f"{OURS} comes from one source only."]


def test_quality_beside_the_numbers(office, network):
    table = quality_table([office, network])
    assert list(table.columns) == list(QUALITY_HEADERS)
    assert table[table["Partner"] == "Aruvia Statistics Office"][["Criterion", "Level"]].values.tolist() == [
        ["", NOT_REQUIRED]]
    ours = table[table["Partner"] == "Aruvia Women's Network"]
    assert ours["Criterion"].tolist() == ["Sampling or coverage", "Method documented", "Validation", "Timeliness",
                                          "Ethics and consent"]
    assert ours["Level"].tolist() == ["partly met", "met", "partly met", "met", "met"]
    assert ours["Why this level"].iloc[2] == "One visit in ten was repeated by a second enumerator."
    assert quality_words(office.manifest) == NOT_REQUIRED


def test_hostile_texts_stay_plain_text(own, network):
    name = f"{SCRIPT} {HYPERLINK} Network"
    quality = network.manifest.quality.model_copy(update={"validation": network.manifest.quality.validation
                                                          .model_copy(update={"note": IMG})})
    figures = network.aggregates.copy()
    region = figures["dimension_id"] == "region"
    figures.loc[region, "subgroup"] = IMG + " " + figures.loc[region, "subgroup"]
    figures["indicator_name"] = SCRIPT + " " + figures["indicator_name"]
    hostile = _with_figures(network, figures, partner=network.manifest.partner.model_copy(update={"name": name}),
                            quality=quality)
    result = triangulate(own, OURS, [hostile])
    table = result.for_people(years=[2024])
    assert set(table.loc[table["Partner"] != "", "Partner"]) == {name}
    assert not table.map(lambda v: "&lt;" in str(v)).to_numpy().any()       # kept as text, not escaped twice
    only_theirs = table[table["Our survey"] == "no figure"]
    assert len(only_theirs) and only_theirs["Indicator"].str.startswith(SCRIPT).all()
    assert any(name in s for s in result.sentences())
    assert quality_table([hostile])["Why this level"].tolist()[2] == IMG
    assert set(result.summary()["Source"]) == {OURS, name}


def test_interval_text_marks():
    assert interval(67.14, 64.2, 69.81) == "67.1 (64.2-69.8)"
    assert interval(100.0, 100.0, 100.0, "no variation") == "100.0 (nv)"
    assert interval(40.0, 30.0, 50.0, "caution") == "40.0 (30.0-50.0) (c)"
    assert interval(float("nan"), 1, 2) == ""
