"""Engine edge cases, checked against a plain textbook implementation written out in loops."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.config import EstimationSettings, Suppression
from lnob_helpers.errors import InputError
from lnob_helpers.survey import TABLE_COLUMN, SurveyDesign, estimate, estimate_domains, estimate_tables

NO_SUPPRESSION = EstimationSettings(suppression=Suppression(min_n=1, caution_n=1))


def textbook_variance(y, w, strata, psu, domain, lonely="adjust"):
    """Linearised variance of a domain ratio mean, written the slow, obvious way."""
    y = np.asarray(y, float)
    inside = domain & ~np.isnan(y)
    W = w[inside].sum()
    R = (w[inside] * y[inside]).sum() / W
    z = np.where(inside, w * (np.nan_to_num(y) - R) / W, 0.0)
    psus = sorted(set(zip(strata, psu)))
    totals = {key: 0.0 for key in psus}
    for zi, h, p in zip(z, strata, psu):
        totals[(h, p)] += zi
    grand = sum(totals.values()) / len(totals)
    var = 0.0
    for h in sorted(set(strata)):
        t = [totals[k] for k in psus if k[0] == h]
        if len(t) == 1:
            if lonely == "adjust":
                var += (t[0] - grand) ** 2
            continue
        mean = sum(t) / len(t)
        var += len(t) / (len(t) - 1) * sum((x - mean) ** 2 for x in t)
    return R, var


@pytest.fixture
def small():
    rng = np.random.default_rng(7)
    n = 400
    strata = np.repeat(np.arange(8), 50)
    psu = np.tile(np.repeat(np.arange(5), 10), 8)
    # stratum 7 has a single PSU: a lonely stratum
    psu[strata == 7] = 0
    return pd.DataFrame({
        "s": strata, "p": psu,
        "w": rng.uniform(0.5, 3.0, n),
        "y": np.where(rng.random(n) < 0.15, np.nan, (rng.random(n) < 0.4).astype(float)),
        "g": pd.Categorical(rng.choice(["a", "b", "c"], n), categories=["a", "b", "c", "empty"]),
        "x": rng.normal(10, 2, n),
    })


@pytest.mark.parametrize("rule", ["adjust", "certainty", "remove"])
def test_lonely_psu_rules_match_textbook(small, rule):
    design = SurveyDesign.from_frame(small, "w", "s", "p", lonely_psu=rule)
    table = estimate(design, "y", ["g"], settings=NO_SUPPRESSION).to_frame()
    for _, row in table[table.n > 0].iterrows():
        R, var = textbook_variance(small.y.to_numpy(), small.w.to_numpy(), small.s.to_numpy(),
                                   small.p.to_numpy(), (small.g == row.g).to_numpy(), lonely=rule)
        assert row.estimate == pytest.approx(R, rel=1e-12)
        assert row.se == pytest.approx(np.sqrt(var), rel=1e-10)


def test_certainty_and_remove_agree_and_adjust_adds_variance(small):
    se = {rule: estimate(SurveyDesign.from_frame(small, "w", "s", "p", lonely_psu=rule), "y").to_frame()["se"].iloc[0]
          for rule in ("adjust", "certainty", "remove")}
    assert se["certainty"] == pytest.approx(se["remove"], rel=1e-12)
    assert se["adjust"] > se["certainty"]


def test_lonely_psu_fail_names_the_stratum(small):
    with pytest.raises(InputError, match=r"stratum 7 of column 's' has only one PSU"):
        SurveyDesign.from_frame(small, "w", "s", "p", lonely_psu="fail")


def test_empty_domain_is_a_suppressed_row(small):
    design = SurveyDesign.from_frame(small, "w", "s", "p")
    table = estimate(design, "y", ["g"]).to_frame()
    empty = table[table.g == "empty"].iloc[0]
    assert empty.n == 0 and empty.flag == "suppressed" and np.isnan(empty.estimate)
    assert table.share.sum() == pytest.approx(1.0)


def test_all_missing_indicator_gives_suppressed_rows(small):
    design = SurveyDesign.from_frame(small, "w", "s", "p")
    table = estimate(design, np.full(len(small), np.nan), ["g"]).to_frame()
    assert (table.n == 0).all() and (table.flag == "suppressed").all() and table.estimate.isna().all()


def test_one_level_circumstance(small):
    one = small.assign(k=pd.Categorical(["only"] * len(small)))
    design = SurveyDesign.from_frame(one, "w", "s", "p")
    by_k = estimate(design, "y", ["k"], settings=NO_SUPPRESSION).to_frame()
    overall = estimate(design, "y", settings=NO_SUPPRESSION).to_frame()
    assert len(by_k) == 1
    assert by_k.estimate.iloc[0] == pytest.approx(overall.estimate.iloc[0])
    assert by_k.se.iloc[0] == pytest.approx(overall.se.iloc[0])


def test_binary_indicator_holding_two_is_refused(small):
    bad = small.assign(y=small.y.fillna(2))
    design = SurveyDesign.from_frame(bad, "w", "s", "p")
    with pytest.raises(InputError, match="0 or 1.*2"):
        estimate(design, "y").to_frame()


@pytest.mark.parametrize("value, word", [(-1.0, "negative"), (np.nan, "missing"), (np.inf, "infinite")])
def test_bad_weights_give_clear_errors(small, value, word):
    bad = small.copy()
    bad.loc[3, "w"] = value
    with pytest.raises(InputError, match=rf"weight column 'w'.*row\(s\) \(4\) are {word}"):
        SurveyDesign.from_frame(bad, "w", "s", "p")


def test_missing_psu_is_an_error(small):
    bad = small.astype({"p": float})
    bad.loc[0, "p"] = np.nan
    with pytest.raises(InputError, match="design column 'p' has 1 missing"):
        SurveyDesign.from_frame(bad, "w", "s", "p")


def test_no_strata_no_psu_is_with_replacement_srs(small):
    design = SurveyDesign.from_frame(small, "w")
    got = estimate(design, "x", kind="mean", settings=NO_SUPPRESSION).to_frame().iloc[0]
    w, x = small.w.to_numpy(), small.x.to_numpy()
    mean = (w * x).sum() / w.sum()
    z = w * (x - mean) / w.sum()
    n = len(x)
    assert design.df == n - 1
    assert got.estimate == pytest.approx(mean)
    assert got.se == pytest.approx(np.sqrt(n / (n - 1) * ((z - z.mean()) ** 2).sum()))


def test_stratified_without_clusters_matches_textbook(small):
    design = SurveyDesign.from_frame(small, "w", "s")
    got = estimate(design, "y", settings=NO_SUPPRESSION).to_frame().iloc[0]
    rows = np.arange(len(small))
    R, var = textbook_variance(small.y.to_numpy(), small.w.to_numpy(), small.s.to_numpy(), rows,
                               np.ones(len(small), bool))
    assert got.se == pytest.approx(np.sqrt(var), rel=1e-10)
    assert design.df == len(small) - 8


def test_mean_interval_is_symmetric_t(small):
    design = SurveyDesign.from_frame(small, "w", "s", "p")
    row = estimate(design, "x", kind="mean").to_frame().iloc[0]
    assert row.estimate - row.ci_lb == pytest.approx(row.ci_ub - row.estimate)


def test_suppression_thresholds_are_configurable(small):
    design = SurveyDesign.from_frame(small, "w", "s", "p")
    table = estimate(design, "y", ["g"], settings=EstimationSettings(suppression=Suppression(min_n=200, caution_n=300))).to_frame()
    assert set(table.flag) <= {"suppressed", "caution"}
    assert table.loc[table.flag == "suppressed", ["estimate", "se", "ci_lb", "ci_ub"]].isna().all().all()


def test_overlapping_domains_match_single_domain_tables(small):
    design = SurveyDesign.from_frame(small, "w", "s", "p")
    masks = {"a or b": small.g.isin(["a", "b"]).to_numpy(), "all": np.ones(len(small), bool)}
    got = estimate_domains(design, "y", masks, settings=NO_SUPPRESSION).to_frame().set_index("domain")
    overall = estimate(design, "y", settings=NO_SUPPRESSION).to_frame().iloc[0]
    assert got.loc["all", "se"] == pytest.approx(overall.se)
    R, var = textbook_variance(small.y.to_numpy(), small.w.to_numpy(), small.s.to_numpy(), small.p.to_numpy(),
                               masks["a or b"])
    assert got.loc["a or b", "se"] == pytest.approx(np.sqrt(var), rel=1e-10)


@pytest.mark.parametrize("psu", ["p", None])
def test_row_order_does_not_matter(small, psu):
    shuffled = small.sample(frac=1.0, random_state=3).reset_index(drop=True)
    a = estimate(SurveyDesign.from_frame(small, "w", "s", psu), "y", ["g"]).to_frame()
    b = estimate(SurveyDesign.from_frame(shuffled, "w", "s", psu), "y", ["g"]).to_frame()
    pd.testing.assert_frame_equal(a, b, rtol=1e-10)


def test_total_covariance_diagonal_matches_estimate(small):
    design = SurveyDesign.from_frame(small, "w", "s", "p")
    y, w = small.y.to_numpy(), small.w.to_numpy()
    ok = ~np.isnan(y)
    R = (w[ok] * y[ok]).sum() / w[ok].sum()
    z = np.where(ok, w * (np.nan_to_num(y) - R) / w[ok].sum(), 0.0)
    cov = design.total_covariance(np.column_stack([z, 2 * z]))
    se = estimate(design, "y", settings=NO_SUPPRESSION).to_frame().se.iloc[0]
    assert np.sqrt(cov[0, 0]) == pytest.approx(se, rel=1e-12)
    assert cov[0, 1] == pytest.approx(2 * cov[0, 0]) and cov[1, 1] == pytest.approx(4 * cov[0, 0])


def test_stacked_tables_equal_separate_calls(small):
    """One stacked call gives each table exactly as its own call would, empty cells included."""
    data = small.assign(k=np.where(small["x"] > 10, "high", "low"))      # a plain (str) column too
    design = SurveyDesign.from_frame(data, "w", "s", "p")
    bys = [[], ["g"], ["k"], ["g", "k"]]
    stacked = estimate_tables(design, "y", bys).to_frame()
    for i, by in enumerate(bys):
        part = stacked.loc[stacked[TABLE_COLUMN] == i, [*by, *estimate(design, "y").to_frame().columns]]
        alone = estimate(design, "y", by).to_frame()
        pd.testing.assert_frame_equal(part.reset_index(drop=True), alone, check_dtype=False)
    assert stacked["g"].dtype == data["g"].dtype                           # categories kept
    assert stacked.loc[stacked[TABLE_COLUMN] == 2, "g"].isna().all()      # not a column of table 2


def test_overlapping_domains_equal_separate_calls(small):
    design = SurveyDesign.from_frame(small, "w", "s", "p")
    masks = {"low x": small["x"].to_numpy() < 10, "a": (small["g"] == "a").to_numpy(), "none": np.zeros(400, bool)}
    together = estimate_domains(design, "y", masks, settings=NO_SUPPRESSION).to_frame().set_index("domain")
    for name, mask in masks.items():
        alone = estimate_domains(design, "y", {name: mask}, settings=NO_SUPPRESSION).to_frame().set_index("domain")
        pd.testing.assert_frame_equal(together.loc[[name]], alone)
    assert np.isnan(together.loc["none", "estimate"]) and together.loc["none", "n"] == 0


# --- zero weights: kept in the design, as R's survey keeps them ---------------------------------

@pytest.fixture
def zero_psu(small):
    """`small` with every row of PSU 4 in stratum 0 weighing 0 (the stratum keeps 5 PSUs)."""
    zero = (small.s == 0) & (small.p == 4)
    return small.assign(w=small.w.where(~zero, 0.0)), zero.to_numpy()


def test_a_psu_of_zero_weights_counts_for_variance_not_df(zero_psu):
    data, zero = zero_psu
    design = SurveyDesign.from_frame(data, "w", "s", "p")
    dropped = SurveyDesign.from_frame(data[~zero], "w", "s", "p")
    assert design.df == dropped.df == 36 - 8 - 1  # R's degf() counts only PSUs that carry weight
    table = estimate(design, "y", ["g"], settings=NO_SUPPRESSION).to_frame()
    for _, row in table[table.n > 0].iterrows():
        R, var = textbook_variance(data.y.to_numpy(), data.w.to_numpy(), data.s.to_numpy(), data.p.to_numpy(),
                                   (data.g == row.g).to_numpy())
        assert row.estimate == pytest.approx(R, rel=1e-12)
        assert row.se == pytest.approx(np.sqrt(var), rel=1e-10)
    # Kept, the PSU is a total of 0 among 5 (scale 5/4); dropped, its stratum would have 4 (scale 4/3).
    kept, gone = (estimate(d, "y", settings=NO_SUPPRESSION).to_frame().iloc[0] for d in (design, dropped))
    assert kept.estimate == pytest.approx(gone.estimate, rel=1e-12)
    assert kept.se != pytest.approx(gone.se, rel=1e-6)


def test_zero_weight_rows_add_nothing_to_n_or_population(zero_psu):
    data, zero = zero_psu
    got = estimate(SurveyDesign.from_frame(data, "w", "s", "p"), "y", settings=NO_SUPPRESSION).to_frame().iloc[0]
    observed = data.y.notna().to_numpy()
    assert got.n == (observed & ~zero).sum()                       # R's unwtd.count leaves them out
    assert got.population == pytest.approx(data.w[observed].sum())


def test_a_domain_of_only_zero_weights_gives_no_estimate_and_no_warning(zero_psu):
    data, zero = zero_psu
    data = data.assign(g=pd.Categorical(np.where(zero, "weightless", data.g.astype(str)),
                                        categories=["a", "b", "c", "weightless"]))
    design = SurveyDesign.from_frame(data, "w", "s", "p")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = estimate(design, "y", ["g"], settings=NO_SUPPRESSION).to_frame().set_index("g")
        masks = estimate_domains(design, "y", {"weightless": zero}, settings=NO_SUPPRESSION).to_frame()
    row = table.loc["weightless"]
    assert row.n == 0 and row.population == 0 and row.flag == "suppressed" and np.isnan(row.estimate)
    assert masks.n.iloc[0] == 0 and np.isnan(masks.estimate.iloc[0])
    assert table.drop("weightless").estimate.notna().all()


def test_all_zero_weights_are_refused(small):
    with pytest.raises(InputError, match=r"weight column 'w' is zero on all 400 rows"):
        SurveyDesign.from_frame(small.assign(w=0.0), "w", "s", "p")


def test_weight_errors_count_rows_by_the_index(small):
    """A frame that lost rows (outside a file's universe) keeps its row numbers in messages."""
    bad = small.copy()
    bad.loc[3, "w"] = -1.0
    with pytest.raises(InputError, match=r"row\(s\) \(4\) are negative"):
        SurveyDesign.from_frame(bad.drop(index=[0, 1]), "w", "s", "p")
