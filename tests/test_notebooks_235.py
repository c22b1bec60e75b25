"""The Step 2, 3 and 5 notebooks run headless with their defaults, as the report runs them."""

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from fixtures_steps import LEFT_BEHIND  # tests/ is on sys.path: see conftest.py

ROOT = Path(__file__).resolve().parents[1]
WORKBOOKS = ROOT / "workbooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
HEADINGS = {
    "2_why.ipynb": ["## Prioritised groups", "## Problem trees", "## Capacity gaps", "## Step 2 diagnostics"],
    "3_what.ipynb": ["## Prioritised action plan", "## Actions in the seven areas", "## Coverage warnings"],
    "5_accountability.ipynb": ["## Accountability scorecard", "## Human-rights recommendations", "## Participation",
                               "## Checklists"],
}
WRITTEN = {"2_why.ipynb": "step2/group_priorities.csv", "3_what.ipynb": "step3/action_plan.csv",
           "5_accountability.ipynb": "step5/recommendation_coverage.csv"}


@pytest.fixture(scope="module")
def analysis_copy(tmp_path_factory, sample_dir) -> Path:
    """A copy of the sample with Step 1's table in place (running Step 1 itself takes minutes)."""
    folder = tmp_path_factory.mktemp("aruvia")
    shutil.copytree(sample_dir, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("outputs", "*.bak"))
    (folder / "outputs" / "step1").mkdir(parents=True)
    LEFT_BEHIND.to_csv(folder / "outputs" / "step1" / "left_behind.csv", index=False)
    return folder


@pytest.mark.notebook
@pytest.mark.parametrize("notebook", sorted(HEADINGS))
def test_notebook_runs_headless_in_report_mode(notebook, analysis_copy, tmp_path, monkeypatch):
    import papermill as pm

    monkeypatch.delenv("LNOB_APP", raising=False)
    out = tmp_path / notebook
    pm.execute_notebook(str(WORKBOOKS / notebook), str(out), kernel_name="python3", execution_timeout=300,
                        cwd=str(WORKBOOKS), parameters=dict(analysis=str(analysis_copy)), progress_bar=False)
    outputs = [o for cell in nbformat.read(str(out), as_version=4).cells if cell.cell_type == "code"
               for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    assert not [o for o in outputs if WIDGET_VIEW in o.get("data", {})]
    markdown = "\n".join(o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {}))
    markdown = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)  # headings escape punctuation (forms.plain)
    assert all(h in markdown for h in HEADINGS[notebook])
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert (analysis_copy / "outputs" / WRITTEN[notebook]).exists()
