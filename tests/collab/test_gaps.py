"""Gaps across the collaborative (issue 16): who covers which indicator, group and factor; the gender view.

The statistics office covers every circumstance; the women's network covers sex, area, region
and disability only, so wealth, education, governance and shocks rest on the office alone.
"""

from __future__ import annotations

import dataclasses

import pytest

from hostile import SCRIPT
from lnob_helpers.collab.gaps import (FRAME_COLUMNS, GENDER_COLUMNS, NO_SOURCE, ONE_SOURCE, SEVERAL, WITHHELD, WOMEN,
                                      coverage_gaps)
from lnob_helpers.collab.package import read_package
from lnob_helpers.collab.triangulate import own_figures
from lnob_helpers.config import FACTOR_LABELS, load_analysis
from lnob_helpers.render import figure_png

OURS = "Our survey"
NETWORK = "Aruvia Women's Network"
OFFICE = "Aruvia Statistics Office"
WOMEN_ONLY = {"sba", "child_marriage"}   # defined for women: no figure for men anywhere


@pytest.fixture(scope="module")
def office_analysis(partners):
    return load_analysis(partners.office_folder)


@pytest.fixture(scope="module")
def own(office_analysis):
    return own_figures(office_analysis)


@pytest.fixture(scope="module")
def packages(partners):
    return read_package(partners.office_package), read_package(partners.network_package)


@pytest.fixture(scope="module")
def with_network(office_analysis, own, packages):
    return coverage_gaps(office_analysis, own, [packages[1]])


def test_coverage_of_every_indicator_and_group(with_network, office_analysis):
    frame = with_network.to_frame()
    assert list(frame.columns) == list(FRAME_COLUMNS)
    groups = sum(len(c.category_order) for c in office_analysis.circumstances)
    assert len(frame) == len(office_analysis.indicators) * groups and frame["ours"].all()
    water = frame[frame["indicator_id"] == "water"].set_index("group")
    assert water.loc["Wealth quintile: Poorest", "sources"] == OURS
    assert water.loc["Wealth quintile: Poorest", "coverage"] == ONE_SOURCE
    assert water.loc["Sex: Female", "sources"] == f"{OURS}; {NETWORK}"
    assert water.loc["Region: Islands", "n_sources"] == 2 and water.loc["Region: Islands", "coverage"] == SEVERAL
    sba = frame[frame["indicator_id"] == "sba"].set_index("group")
    assert sba.loc["Sex: Male", "coverage"] == WITHHELD and sba.loc["Sex: Male", "sources"] == ""  # the network's log
    assert set(frame["factor_label"]) == set(FACTOR_LABELS.values())


def test_factors_the_network_does_not_cover(with_network, partners, packages):
    wide = with_network.by_factor()
    assert list(wide.columns) == ["Indicator", *FACTOR_LABELS.values()]
    assert (wide[["Discrimination", "Geography"]] == 2).all().all()
    assert (wide[["Governance", "Socio-economic status", "Shocks and fragility"]] == 1).all().all()
    # the network alone: three factors are covered by no one
    network_analysis = load_analysis(partners.network_folder)
    alone = coverage_gaps(network_analysis, own_figures(network_analysis), [packages[1]], own_name=NETWORK)
    wide = alone.by_factor()
    assert (wide[["Governance", "Socio-economic status", "Shocks and fragility"]] == 0).all().all()
    assert alone.sentences()[0] == ("No source has figures on groups of governance, socio-economic status or shocks "
                                    "and fragility for any indicator.")


def test_the_gender_view(office_analysis, own, packages):
    gaps = coverage_gaps(office_analysis, own, list(packages))
    sex = gaps.gender().set_index("indicator_id")
    assert list(gaps.gender().columns) == list(GENDER_COLUMNS)
    assert set(sex.index[~sex["by_sex"]]) == WOMEN_ONLY
    assert set(sex.loc[list(WOMEN_ONLY), "sexes"]) == {WOMEN}
    others = sex.drop(index=list(WOMEN_ONLY))
    assert (others["n_sources"] == 3).all()
    assert set(others["sources"]) == {f"{OURS}; {OFFICE}; {NETWORK}"}
    assert "have figures for women only" in gaps.gender_sentence()


def test_an_indicator_without_sex_anywhere_is_named(office_analysis, own, packages):
    network = packages[1]
    figures = network.aggregates[(network.aggregates["indicator_abbr"] == "water")
                                 & ~network.aggregates["dimension_id"].str.contains("sex")].copy()
    figures["indicator_abbr"] = "water_count"
    figures["indicator_name"] = "Safe water (community count)"
    counted = dataclasses.replace(network, aggregates=figures.reset_index(drop=True))
    gaps = coverage_gaps(office_analysis, own, [counted])
    sex = gaps.gender().set_index("indicator_id")
    assert sex.loc["water_count", "sexes"] == "none" and not sex.loc["water_count", "by_sex"]
    assert gaps.gender_sentence().startswith("No source gives Safe water (community count) by sex.")
    wide = gaps.by_factor().set_index("Indicator").loc["Safe water (community count)"]
    assert wide.to_dict() == {"Discrimination": 1, "Geography": 1, "Governance": 0, "Socio-economic status": 0,
                              "Shocks and fragility": 0}
    assert any("for 1 of 13 indicators" in s for s in gaps.sentences())


def test_no_partner(office_analysis, own):
    gaps = coverage_gaps(office_analysis, own, [])
    frame = gaps.to_frame()
    assert set(frame["coverage"]) == {ONE_SOURCE, NO_SOURCE}
    assert set(frame.loc[frame["n_sources"] == 1, "sources"]) == {OURS}
    assert (gaps.by_factor()[list(FACTOR_LABELS.values())] == 1).all().all()
    assert 2 <= len(gaps.sentences()) <= 4


def test_the_figure_reads(tmp_path, office_analysis, own, packages):
    hostile = dataclasses.replace(packages[1], manifest=packages[1].manifest.model_copy(update={
        "partner": packages[1].manifest.partner.model_copy(update={"name": f"{SCRIPT} $x$ Network"})}))
    gaps = coverage_gaps(office_analysis, own, [packages[0], hostile])
    fig = gaps.figure()
    assert fig.get_suptitle().startswith("Which factors")
    texts = [t.get_text() for t in fig.texts]
    assert any(t.startswith("Source: ") and OFFICE in t and f"{SCRIPT} $x$ Network" in t for t in texts)
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()] + [t.get_text() for t in ax.get_xticklabels()]
    ids = {i.id for i in office_analysis.indicators} | set(FACTOR_LABELS)
    assert not ids & set(ticks) and not any("_" in t for t in ticks)
    assert [" ".join(t.split()) for t in ticks[-5:]] == list(FACTOR_LABELS.values())
    png = figure_png(fig)
    (tmp_path / "gaps.png").write_bytes(png)
    assert png.startswith(b"\x89PNG")


def test_groups_partners_add_are_kept(office_analysis, own, packages):
    network = packages[1]
    figures = network.aggregates[network.aggregates["dimension_id"] == "region"].copy()
    figures["dimension_id"] = "district"
    figures["dimension"] = "District"
    figures["group_id"] = "district=" + figures["subgroup"]
    added = coverage_gaps(office_analysis, own, [dataclasses.replace(network, aggregates=figures)])
    frame = added.to_frame()
    new = frame[~frame["ours"]]
    assert set(new["group"]) == {f"District: {r}" for r in figures["subgroup"]}
    assert set(new["factor"]) == {"geography"}
    assert set(new.loc[new["n_sources"] > 0, "sources"]) == {NETWORK}


def test_groups_measured_with_too_few_cases_are_told_apart_from_unmeasured_ones(partners):
    """Men for births attended are in every source's withheld log: "too few cases", not a data gap."""
    from lnob_helpers.collab.aggregates import shared_aggregates, step1_tables
    from lnob_helpers.collab.gaps import coverage_gaps

    analysis = load_analysis(partners.office_folder)
    own, withheld = shared_aggregates(step1_tables(analysis.outputs))
    network = read_package(partners.network_package)
    told = coverage_gaps(analysis, own, [network], own_withheld=withheld).to_frame()
    men = told[(told["indicator_id"] == "sba") & (told["group"] == "Sex: Male")]
    assert men["coverage"].tolist() == [WITHHELD]
    assert NO_SOURCE not in set(told["coverage"])  # every pair of the sample is measured somewhere
    untold = coverage_gaps(analysis, own, []).to_frame()  # no log says it was measured
    assert untold.loc[men.index, "coverage"].tolist() == [NO_SOURCE]
    assert any("too few cases to publish" in s for s in coverage_gaps(analysis, own, [network],
                                                                     own_withheld=withheld).sentences())


def test_the_gap_rows_name_each_indicators_gaps_in_words(partners):
    from lnob_helpers.collab.aggregates import shared_aggregates, step1_tables
    from lnob_helpers.collab.gaps import GAP_WORDS, coverage_gaps

    analysis = load_analysis(partners.office_folder)
    own, withheld = shared_aggregates(step1_tables(analysis.outputs))
    found = coverage_gaps(analysis, own, [read_package(partners.network_package)], own_withheld=withheld)
    rows = found.gap_rows()
    assert list(rows.columns) == ["Indicator", "Coverage", "Groups", "Which groups"]
    births = rows[rows["Indicator"] == "Births attended by skilled health personnel"].set_index("Coverage")
    assert "Sex: Male" in births.loc[GAP_WORDS[WITHHELD], "Which groups"].split("; ")
    assert "Wealth quintile: Poorest" in births.loc[f"{GAP_WORDS[ONE_SOURCE]}: Our survey", "Which groups"]
    assert rows["Groups"].sum() == (found.to_frame()["coverage"] != SEVERAL).sum()
    gender = found.gender_for_people()
    assert gender.loc[gender["Indicator"] == "Births attended by skilled health personnel",
                      "Figures by sex"].item() == "Women only"
