"""`lnob validate` on the sample country and on broken copies of it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from lnob_helpers.cli import main
from lnob_helpers.config import load_analysis
from lnob_helpers.validate import validate_folder


@pytest.fixture
def copy(sample_dir, tmp_path) -> Path:
    """A private copy of the sample analysis (without outputs) that a test may break."""
    dst = tmp_path / "aruvia"
    shutil.copytree(sample_dir, dst, ignore=shutil.ignore_patterns("outputs", "*.bak"))
    return dst


def _edit_yaml(folder: Path, change) -> None:
    path = folder / "analysis.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def _csv_round(folder: Path) -> tuple[dict, Path]:
    doc = yaml.safe_load((folder / "analysis.yaml").read_text(encoding="utf-8"))
    for rnd in doc["rounds"]:
        for spec in rnd["files"].values():
            if spec["path"].endswith(".csv"):
                return spec, folder / spec["path"]
    pytest.skip("sample has no CSV file")


def test_sample_is_valid(sample_dir, capsys):
    assert main(["validate", str(sample_dir)]) == 0
    assert "valid" in capsys.readouterr().out


def test_sample_input_files_are_not_modified(sample_dir):
    before = {p: p.stat().st_mtime_ns for p in sample_dir.iterdir() if p.is_file()}
    validate_folder(sample_dir)
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_missing_column(copy, capsys):
    def rename(doc):
        ind = next(i for i in doc["indicators"] if i.get("column"))
        ind["column"] = "no_such_column"
    _edit_yaml(copy, rename)
    assert main(["validate", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "column 'no_such_column'" in err and "is not in the data" in err and "Traceback" not in err


def test_negative_weight(copy, capsys):
    spec, path = _csv_round(copy)
    frame = pd.read_csv(path)
    frame.loc[9, spec["design"]["weight"]] = -1.5
    frame.to_csv(path, index=False)
    assert main(["validate", str(copy)]) == 2
    err = capsys.readouterr().err
    assert f"weight column '{spec['design']['weight']}' must be positive and finite" in err
    assert "(10)" in err and "negative" in err


def test_typo_in_a_category(copy, capsys):
    def typo(doc):
        circ = next(c for c in doc["circumstances"] if c.get("categories") and c.get("column"))
        circ["categories"][0] = circ["categories"][0] + "x"
        doc["_typo"] = [circ["id"], circ["categories"][0]]
    _edit_yaml(copy, typo)
    doc = yaml.safe_load((copy / "analysis.yaml").read_text())
    circ_id, wrong = doc.pop("_typo")
    (copy / "analysis.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    assert main(["validate", str(copy)]) == 2
    err = capsys.readouterr().err
    assert f"circumstance '{circ_id}'" in err and f"'{wrong}'" in err


def test_wrong_file_path(copy, capsys):
    def wrong(doc):
        first = next(iter(doc["rounds"][0]["files"].values()))
        first["path"] = "no_such_file.csv"
    _edit_yaml(copy, wrong)
    assert main(["validate", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "no_such_file.csv" in err and "not found" in err


def test_unknown_key_and_bad_value_in_yaml(copy, capsys):
    def bad(doc):
        doc["settings"]["ci_levle"] = 0.9
        doc["indicators"][0]["direction"] = "sideways"
    _edit_yaml(copy, bad)
    assert main(["validate", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "`settings.ci_levle` is not a known key" in err
    assert "`indicators[1].direction`" in err


def test_broken_yaml_syntax(copy, capsys):
    (copy / "analysis.yaml").write_text("country: [unclosed\n")
    assert main(["validate", str(copy)]) == 2
    assert "not valid YAML at line" in capsys.readouterr().err


def test_missing_folder(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nowhere")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_console_script_runs_without_traceback(copy):
    def rename(doc):
        doc["indicators"][0]["file"] = "nope"
    _edit_yaml(copy, rename)
    run = subprocess.run([sys.executable, "-m", "lnob_helpers.cli", "validate", str(copy)],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "does not list" in run.stderr


def test_sav_value_labels_become_categories(sample_dir):
    analysis = load_analysis(sample_dir)
    from lnob_helpers.rounds import load_round

    sav_rounds = [r for r in analysis.rounds if any(f.format == "sav" for f in r.files.values())]
    assert sav_rounds, "the sample must ship one round as SPSS .sav"
    data = load_round(analysis, sav_rounds[0].year)
    frame = next(iter(data.files.values())).frame
    region = analysis.circumstance("region")
    assert list(frame["region"].cat.categories) == region.category_order
    assert frame["region"].notna().mean() > 0.99
    wealth = frame["wealth"]
    assert wealth.cat.ordered and list(wealth.cat.categories)[0] == "Poorest"


def _point_csv_file_to(folder: Path, target: str) -> None:
    def change(doc):
        for rnd in doc["rounds"]:
            for spec in rnd["files"].values():
                if spec["path"].endswith(".csv"):
                    spec["path"] = target
    _edit_yaml(folder, change)


def test_a_data_path_outside_the_folder_is_refused_without_quoting_the_file(copy, tmp_path, capsys):
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nhunter2\n", encoding="utf-8")
    _point_csv_file_to(copy, "../secret.csv")
    assert main(["validate", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "'../secret.csv' lies outside the analysis folder" in err and "--allow-outside" in err
    assert "root:x" not in err and "hunter2" not in err


def test_allow_outside_and_absolute_paths_are_honoured(copy, tmp_path, capsys, monkeypatch):
    moved = tmp_path / "elsewhere" / "persons_2019.csv"
    moved.parent.mkdir()
    shutil.copy(copy / "persons_2019.csv", moved)
    _point_csv_file_to(copy, "../elsewhere/persons_2019.csv")
    monkeypatch.setenv("LNOB_ALLOW_OUTSIDE", "0")  # restored (unset) after the test
    assert main(["validate", str(copy), "--allow-outside"]) == 0
    monkeypatch.setenv("LNOB_ALLOW_OUTSIDE", "0")
    _point_csv_file_to(copy, str(moved))
    assert main(["validate", str(copy)]) == 0
    assert "valid" in capsys.readouterr().out


def test_duplicate_column_names_are_reported(copy, capsys):
    spec, path = _csv_round(copy)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    lines[0] = ",".join([*header, header[-1]]) + "\n"
    lines[1:] = [line.rstrip("\r\n") + ",0\n" for line in lines[1:]]
    path.write_text("".join(lines), encoding="utf-8")
    assert main(["validate", str(copy)]) == 2
    assert f"the column name '{header[-1]}' appears 2 times; rename all but one" in capsys.readouterr().err


def test_a_link_inside_the_folder_to_a_file_outside_is_refused(copy, tmp_path, capsys):
    secret = tmp_path / "outside.csv"
    spec, path = _csv_round(copy)
    shutil.move(path, secret)
    path.symlink_to(secret)
    assert main(["validate", str(copy)]) == 2
    assert "lies outside the analysis folder" in capsys.readouterr().err


def _data_mtimes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.iterdir() if p.is_file() and p.name != "analysis.yaml"}


def _validate_unchanged(folder: Path) -> int:
    """`lnob validate` on a broken copy; the data files must come out untouched."""
    before = _data_mtimes(folder)
    code = main(["validate", str(folder)])
    assert _data_mtimes(folder) == before
    return code


def _refused(folder: Path, change, capsys) -> str:
    """`lnob validate` on a copy whose analysis.yaml `change` broke: refused, data untouched; its errors."""
    _edit_yaml(folder, change)
    assert _validate_unchanged(folder) == 2
    return capsys.readouterr().err


def _indicator(doc: dict, indicator_id: str) -> dict:
    return next(i for i in doc["indicators"] if i["id"] == indicator_id)


def test_a_category_map_key_typo_is_an_error_with_a_hint(copy, capsys):
    def typo(doc):
        sba = _indicator(doc, "sba")
        sba["derive"]["map"]["112"] = sba["derive"]["map"].pop("11")
    err = _refused(copy, typo, capsys)
    assert "category_map key '112' of indicator 'sba' never occurs in column 'birth_attendant'; did you mean '11' or '12'?" in err


def test_a_code_left_out_of_a_category_map_is_an_error_with_its_count(copy, capsys):
    err = _refused(copy, lambda doc: _indicator(doc, "sba")["derive"]["map"].pop("96"), capsys)
    assert "round 2024, file 'persons' (persons_2024.sav): column 'birth_attendant' has code 96 labelled 'Other' in " in err
    assert "so those rows would silently become missing; map it or declare it in missing_codes." in err


def test_an_undeclared_dont_know_code_is_an_error(copy, capsys):
    err = _refused(copy, lambda doc: _indicator(doc, "secondary_completion").update(missing_codes=[9]), capsys)
    assert "column 'completed_secondary' has code 8 labelled 'Don't know' in " in err
    assert "declare it in missing_codes of indicator 'secondary_completion' or map it." in err


def test_a_recode_key_typo_is_an_error_with_a_hint(copy, capsys):
    err = _refused(copy, lambda doc: next(c for c in doc["circumstances"] if c["id"] == "area")
                   .update(recode={"Urbann": "Urban"}), capsys)
    assert "recode key 'Urbann' of circumstance 'area' never occurs in column 'area'; did you mean 'Urban'?" in err


def test_zero_weights_are_accepted(copy, capsys):
    spec, path = _csv_round(copy)
    frame = pd.read_csv(path)
    weight, psu = spec["design"]["weight"], spec["design"]["psu"]
    frame.loc[frame[psu] == frame[psu].iloc[0], weight] = 0.0     # a whole PSU weighs nothing
    frame.loc[[7, 9], weight] = 0.0
    frame.to_csv(path, index=False)
    assert _validate_unchanged(copy) == 0
    assert "valid" in capsys.readouterr().out


def test_universe_computed_and_divisor_keys_are_checked_against_the_data(copy, capsys):
    def add(doc):
        spec = next(s for r in doc["rounds"] for s in r["files"].values() if s["path"].endswith(".csv"))
        spec["universe"] = [{"column": "no_such_result", "in": [1]}]
        spec["computed"] = {"age": {"op": "+", "columns": ["age", "hh_size"]},
                            "age_next": {"op": "+", "columns": ["age_now", "line"], "divide_by": 12}}
        spec["design"]["weight_divisor"] = 1000
    err = _refused(copy, add, capsys)
    assert "file 'persons' (persons_2019.csv): column 'no_such_result' (in the universe of the file) is not in the data." in err
    assert "computed column 'age' has the name of a column in the data; give it a name of its own." in err
    assert "column 'age_now', an input of computed column 'age_next', is not in the data." in err


@pytest.mark.parametrize("name, text, message", [
    ("step2_why.yaml", "problem_trees: [unclosed\n", "step2_why.yaml: not valid YAML at line 2"),
    ("step5_accountability.yaml", "consultations: []\nsurprise: 1\n", "surprise"),
    ("evidence.yaml", "entries:\n  - id: E1\n    source_type: rumour\n", "source_type"),
])
def test_the_step_files_are_checked_too(copy, capsys, name, text, message):
    (copy / name).write_text(text, encoding="utf-8")
    before = {p: p.stat().st_mtime_ns for p in copy.iterdir() if p.is_file()}
    assert main(["validate", str(copy)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert {p: p.stat().st_mtime_ns for p in before} == before


def test_a_step3_link_to_a_cause_step2_lacks_is_reported(copy, capsys):
    path = copy / "step3_what.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[budget-formula]", "[budget-formulae]", 1),
                    encoding="utf-8")
    assert main(["validate", str(copy)]) == 2
    assert "budget-formulae" in capsys.readouterr().err
