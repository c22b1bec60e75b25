"""Every workbook notebook is committed clean and has a plain parameters cell; the landing page runs."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

WORKBOOKS = Path(__file__).resolve().parents[1] / "workbooks"
NOTEBOOKS = sorted(WORKBOOKS.glob("*.ipynb"))
PARAM_LINE = re.compile(r'^[a-z_][a-z0-9_]* = ("[^"\n]*"|-?\d+(\.\d+)?|True|False)  # \S.*$')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_parameters(path):
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), f"{path.name} has outputs"
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    for line in params[0].source.splitlines():
        assert PARAM_LINE.match(line), f"{path.name}: parameter line is not `name = literal  # help`: {line!r}"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin(path):
    nb = nbformat.read(str(path), as_version=4)
    code_lines = sum(len(c.source.splitlines()) for c in nb.cells if c.cell_type == "code")
    assert code_lines <= 25, f"{path.name} holds {code_lines} lines of code; move logic into lnob_helpers"


@pytest.mark.notebook
def test_landing_page_runs_headless(tmp_path, sample_dir):
    import papermill as pm

    out = tmp_path / "index.ipynb"
    pm.execute_notebook(str(WORKBOOKS / "index.ipynb"), str(out), kernel_name="python3",
                        execution_timeout=120, progress_bar=False, cwd=str(WORKBOOKS),
                        parameters={"analysis": str(sample_dir)})
    html = "".join(o["data"].get("text/html", "") for c in nbformat.read(str(out), 4).cells
                   if c.cell_type == "code" for o in c.outputs if "data" in o)
    for n in range(1, 6):
        assert f'id="step-{n}"' in html


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_papermill_reads_every_parameter_with_its_help(path):
    """`papermill --help-notebook` must list each parameter; an '=' in a help text hides it."""
    from papermill.translators import PythonTranslator

    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    found = PythonTranslator.inspect(cell)
    assert [p.name for p in found] == [line.split("=")[0].strip() for line in cell.source.splitlines()]
    assert all(p.help for p in found)
