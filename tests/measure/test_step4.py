"""Step 4 on the sample country: planted trends found, exports valid, nothing small shown,
targets set through the app's callbacks, and the notebook running headless."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.measure.heat import MEASURES
from lnob_helpers.heat_format import read_heat_template
from lnob_helpers.measure.step4 import compute_step4, heat_export_table
from lnob_helpers.measure.targets import load_targets
from lnob_helpers.notebook import step_context
from lnob_helpers.ui.step4 import Step4App

COPIED = ("analysis.yaml", "mpi.yaml", "step4_targets.yaml", "step4_framework.yaml")
WORKBOOKS = Path(__file__).resolve().parents[2] / "workbooks"


@pytest.fixture(scope="module")
def sample_copy(sample_dir, tmp_path_factory) -> Path:
    """The sample copied, so outputs and saved targets stay in tmp."""
    folder = tmp_path_factory.mktemp("aruvia")
    for name in COPIED:
        shutil.copy(sample_dir / name, folder / name)
    for data in sample_dir.glob("persons_*"):
        shutil.copy(data, folder / data.name)
    return folder


@pytest.fixture(scope="module")
def result(sample_copy):
    return compute_step4(sample_copy)


@pytest.fixture(scope="module")
def written(result) -> dict[str, Path]:
    return {p.name: p for p in result.write()}


def trend_of(result, indicator, dimension, subgroup) -> pd.Series:
    t = result.trends.table
    return t[(t["indicator"] == indicator) & (t["dimension"] == dimension) & (t["subgroup"] == subgroup)].iloc[0]


def test_planted_trends_are_detected(result):
    rural = trend_of(result, "electricity", "area", "Rural")
    assert rural["convergence"] in ("catching up", "caught up")
    urban = trend_of(result, "electricity", "area", "Urban")
    assert abs(rural["gap_latest"]) < abs(rural["gap_baseline"]) / 2  # 66 -> 93 against 78 -> 95
    assert urban["latest"] - rural["latest"] < (urban["baseline"] - rural["baseline"]) / 3  # 31 -> 6 points
    poorest = trend_of(result, "internet", "wealth", "Poorest")
    richest = trend_of(result, "internet", "wealth", "Richest")
    assert poorest["convergence"] == "falling further behind"
    assert richest["change"] - poorest["change"] > 20  # richest +36 points, poorest +4
    for indicator in ("secondary_completion", "birth_registration"):
        displaced = trend_of(result, indicator, "displacement", "Displaced")
        assert displaced["convergence"] == "falling further behind"
        assert displaced["change"] < 0 < displaced["national_latest"] - displaced["national_baseline"]


def test_all_21_measures_for_every_indicator_dimension_and_round(result):
    a = result.analysis
    aggregated = result.measures[result.measures["basis"] == "aggregated"]
    sets = aggregated.groupby(["year", "indicator", "dimension_id"])["measure"].nunique()
    assert len(sets) == 2 * len(a.indicators) * len(a.circumstances)
    assert (sets == len(MEASURES)).all()
    ordered = set(aggregated.loc[aggregated["ordered"], "dimension_id"])
    assert ordered == {"wealth", "education", "age_group"}
    assert result.measures["meaning"].str.len().gt(20).all()
    micro = result.measures[result.measures["basis"] == "microdata"]
    assert set(micro["dimension_id"]) == {"wealth", "education"}  # ranked: ordered and socio-economic
    assert micro["convention"].str.contains("logistic").all()


def test_microdata_concentration_indices_equal_the_aggregated_ones(result):
    m = result.measures[result.measures["measure"].isin(["ACI", "RCI"]) & (result.measures["dimension_id"] == "wealth")]
    wide = m.pivot_table(index=["year", "indicator", "measure"], columns="basis", values="estimate")
    assert np.allclose(wide["microdata"], wide["aggregated"], rtol=1e-9)
    se = m.pivot_table(index=["year", "indicator", "measure"], columns="basis", values="se")
    assert se["microdata"].notna().all()


def test_heat_plus_exports_pass_the_template_checks(written, result):
    for year in result.years:
        table = read_heat_template(written[f"heat_plus_{year}.csv"])
        assert table["estimate"].notna().all()
        assert (table["n"] >= result.analysis.settings.suppression.min_n).all()
    left_out = pd.read_csv(written["heat_plus_left_out.csv"])
    assert set(left_out["reason"]) >= {"no one of the reference population in this subgroup",
                                       "ordered dimension with a suppressed subgroup"}


def test_export_renumbers_ordered_groups_and_drops_spoiled_sets(result):
    table = result.tables[2024]
    export, left_out = heat_export_table(table)
    stunting_age = export[(export["indicator_abbr"] == "stunting") & (export["dimension_id"] == "age_group")]
    assert stunting_age["subgroup"].tolist() == ["0-4"] and stunting_age["subgroup_order"].tolist() == [1]
    sba_age = left_out[(left_out["indicator_abbr"] == "sba") & (left_out["dimension"] == "Age group")]
    assert "ordered dimension with a suppressed subgroup" in set(sba_age["reason"])


def test_no_written_value_rests_on_fewer_than_25_cases(written, result):
    min_n = result.analysis.settings.suppression.min_n
    for path in written.values():
        frame = pd.read_csv(path)
        if "n" in frame.columns:
            small = frame["n"] < min_n
            for column in ("estimate", "value", "se"):
                if column in frame.columns:
                    assert frame.loc[small, column].isna().all(), f"{path.name}: {column} shown for n < {min_n}"
    trends = pd.read_csv(written["trends.csv"])
    assert trends.loc[trends["flag_latest"] == "suppressed", "latest"].isna().all()


def test_mpi_per_round_with_a_decomposition_that_adds_up(result):
    mpi = result.mpi_frame()
    national = mpi[(mpi["dimension"] == "national") & (mpi["indicator"] == "")].pivot_table(
        index="year", columns="measure", values="value")
    assert np.allclose(national["M0"], national["H"] * national["A"])
    assert national.loc[2024, "H"] < national.loc[2019, "H"]
    assert result.mpi_decomposition()["adds_up"].all()
    contributions = mpi[(mpi["measure"] == "contribution_pct") & (mpi["dimension"] == "national")]
    assert np.allclose(contributions.groupby("year")["value"].sum(), 100)
    assert "assets" in set(result.mpi[2024].substitutions["mpi_indicator"])


def test_sample_targets_start_from_the_2024_baselines(result):
    assert len(result.targets.targets) >= 10
    for target in result.targets.targets:
        if target.dimension == "national":
            latest = trend_of(result, target.indicator, "national", "National")["latest"]
        else:
            latest = trend_of(result, target.indicator, target.dimension, target.subgroup)["latest"]
        assert target.baseline_year == 2024
        assert target.baseline == pytest.approx(latest, abs=0.05)
    assert {i.type for i in result.framework.indicators} == {"structural", "process", "outcome"}


@pytest.fixture
def app(sample_copy, result, monkeypatch):
    import lnob_helpers.ui.step4 as page

    monkeypatch.setattr(page, "display", lambda *a, **k: None)
    return Step4App(step_context(str(sample_copy), "app"), result)


def test_app_saves_targets_and_shows_errors_beside_the_form(sample_copy, app):
    form = app.new_form
    before = (sample_copy / "step4_targets.yaml").read_text()
    app.indicator.value = "water"
    app.dimension.value = "region"
    app.kind.value = "floor"
    assert app.value.description == "Floor" and app.value.value == "80"
    app.value.value = "150"
    app.save.click()
    assert "Floor: 150 is above 100" in form.message.value and "lnob-error" in form.message.value
    app.value.value = ""
    app.save.click()
    assert "Floor: the box is empty" in form.message.value            # an emptied box is an error
    assert (sample_copy / "step4_targets.yaml").read_text() == before

    app.value.value = "85"
    app.save.click()
    assert "lnob-ok" in form.message.value
    assert "Population using at least basic drinking water" in form.message.value   # words, not ids
    assert "water.region" not in form.message.value
    saved = {t.id: t for t in load_targets(sample_copy).targets}
    assert saved["water.region.Islands.floor"].target == 85.0  # replaced the sample's floor of 80
    assert "sba.national" in saved  # other targets kept

    app.indicator.value, app.dimension.value = "sba", "ethnicity"
    app.kind.value = "worst_off_faster"
    app.value.value = "0.5"
    app.save.click()
    tamar = {t.id: t for t in load_targets(sample_copy).targets}["sba.ethnicity.Tamar.faster"]
    assert tamar.target == pytest.approx(90 + 0.5 * (tamar.baseline - trend_of(app.result, "sba", "national",
                                                                             "National")["latest"]))
    assert "Target saved: Births attended by skilled health personnel: Tamar" in form.message.value
    assert tamar.milestones


def test_a_saved_target_is_changed_deleted_and_undone(sample_copy, app):
    edit, path = app.edit_form, sample_copy / "step4_targets.yaml"
    options = dict(edit["target"].options)
    label = next(k for k in options if k.startswith("Births attended by skilled health personnel: Everyone"))
    assert options[label] == "sba.national"
    edit["target"].value = "sba.national"
    assert edit["value"].value == "90" and edit["target_year"].value == "2030"
    before = path.read_text()
    edit["value"].value = ""
    edit.button.click()
    assert "Target value: the box is empty" in edit.message.value and path.read_text() == before
    edit["value"].value = "92.5"
    edit["target_year"].value = "2020"
    edit.button.click()
    assert "expected a year after the baseline year (2024)" in edit.message.value
    edit["target_year"].value = "2032"
    edit["path"].value, edit["value"].value = "aarc", "0"
    edit.button.click()
    assert "a constant rate of change needs a baseline and a target above 0" in edit.message.value
    edit["path"].value, edit["value"].value = "linear", "92.5"
    edit.button.click()
    assert "Target changed" in edit.message.value and "lnob-ok" in edit.message.value
    changed = {t.id: t for t in load_targets(sample_copy).targets}["sba.national"]
    assert (changed.target, changed.target_year) == (92.5, 2032)
    assert changed.milestones and changed.milestones[-1].year < 2032       # milestones follow the new year

    edit["target"].value = "sba.national"
    app.delete.button.click()
    assert app.delete.asking and "Births attended by skilled health personnel" in app.delete.question.value
    app.delete.yes.click()
    assert "sba.national" not in {t.id for t in load_targets(sample_copy).targets}
    assert "Target deleted" in app.delete.message.value
    app.undo.button.click()
    restored = {t.id: t for t in load_targets(sample_copy).targets}["sba.national"]
    assert restored.target == 92.5
    assert "92.5 by 2032" in app.targets_view.value


def test_app_shows_every_measure_with_its_meaning_the_mpi_and_the_framework(app):
    app.indicator.value, app.dimension.value = "internet", "wealth"
    table = app.selected_measures()
    assert len(table) == len(MEASURES) + 4  # 21 aggregated + 4 from microdata
    assert table["meaning"].str.len().gt(20).all()
    assert "Share of people who are poor (H)" in app.mpi_view.value
    app.mpi_dimension.value = "ethnicity"
    assert "By ethnicity of the household head" in app.mpi_view.value and "Tamar" in app.mpi_view.value
    assert "Structural" in app.framework_view.value and "Tamar, Displaced" in app.framework_view.value
    assert "step4" in app.downloads.value or "Nothing to download yet" in app.downloads.value


@pytest.mark.notebook
def test_notebook_runs_headless_with_defaults_and_no_widgets(tmp_path, sample_dir):
    papermill = pytest.importorskip("papermill")
    out = tmp_path / "4_measure.out.ipynb"
    papermill.execute_notebook(str(WORKBOOKS / "4_measure.ipynb"), str(out), kernel_name="python3",
                               execution_timeout=300, cwd=str(WORKBOOKS), progress_bar=False)
    import nbformat

    outputs = [o for cell in nbformat.read(out, as_version=4).cells if cell.cell_type == "code"
               for o in cell.get("outputs", [])]
    kinds = {key for o in outputs for key in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" not in kinds
    assert {"image/png", "text/html", "text/markdown"} <= kinds
    text = " ".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    assert "Trajectories to 2030" in text and "Multidimensional poverty" in text
