"""`lnob init`: DHS and MICS files recognised, a commented analysis.yaml that validates as written.

The files come from tests/realformat.py: the programmes' own names, codes, value labels and
quirks (weights x 1e6, zero weights, skip patterns, special codes), a few thousand rows.
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from lnob_helpers.cli import main
from lnob_helpers.config import load_analysis
from lnob_helpers.errors import InputError
from lnob_helpers.starter import init_analysis
from lnob_helpers.starter.catalogue import load_catalogue
from lnob_helpers.starter.detect import recognise
from lnob_helpers.validate import validate_folder
from realformat import write_dhs, write_mics


@pytest.fixture(scope="module")
def dhs(tmp_path_factory):
    return write_dhs(tmp_path_factory.mktemp("dhs"))


@pytest.fixture(scope="module")
def mics(tmp_path_factory):
    return write_mics(tmp_path_factory.mktemp("mics"))


@pytest.mark.parametrize("programme", ["DHS", "MICS"])
def test_catalogue_has_a_dozen_cited_indicators(programme):
    catalogue = load_catalogue(programme)
    ids = {e.id for e in catalogue.indicators}
    assert len(ids) >= 12
    cite = "Guide to DHS Statistics" if programme == "DHS" else "MICS6 tabulation plan"
    for entry in catalogue.indicators:
        assert entry.text.lstrip().startswith("#") and cite in entry.text, f"{entry.id} cites no definition"


def test_files_are_recognised_by_name_and_by_columns(dhs, mics, tmp_path):
    assert [recognise(p).type.kind for p in dhs.values()] == ["KR", "PR", "IR"]
    assert [recognise(p).type.kind for p in mics.values()] == ["ch", "hh", "hl", "wm"]
    renamed = tmp_path / "children_2019.dta"
    shutil.copy(dhs["KR"], renamed)
    found = recognise(renamed)
    assert (found.type.kind, found.by_name) == ("KR", False)


def test_dhs_starter_validates_and_maps_the_quirks(dhs, capsys):
    folder = dhs["KR"].parent
    assert main(["init", *map(str, dhs.values()), "--country", "Testland", "--iso3", "XTL"]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {folder / 'analysis.yaml'}" in printed and "could not map" in printed  # no ethnicity here
    assert validate_folder(folder) == []
    analysis = load_analysis(folder)
    rnd = analysis.rounds[0]
    assert rnd.year == 2019 and set(rnd.files) == {"children", "members", "women"}
    assert rnd.files["children"].design.weight_divisor == 1_000_000
    assert rnd.files["members"].design.psu == "hv021"
    wealth = analysis.circumstance("wealth")
    assert wealth.column == {"children": "v190", "members": "hv270", "women": "v190"}
    assert wealth.categories == ["poorest", "poorer", "middle", "richer", "richest"]
    assert analysis.indicator("stunting").file == "members"  # the household-members version comes first
    assert set(analysis.indicator("stunting").missing_codes) >= {9996, 9997, 9998}
    assert len(analysis.indicators) >= 12


def test_mics_starter_validates_with_universe_and_skips(mics):
    folder = mics["ch"].parent
    result = init_analysis(list(mics.values()))
    assert result.path == folder / "analysis.yaml"
    assert validate_folder(folder) == []
    analysis = load_analysis(folder)
    children = analysis.rounds[0].files["children"]
    assert [(c.column, c.in_) for c in children.universe] == [("UF17", [1])]
    assert analysis.indicator("early_education").skipped.when[0].column == "UB7"
    assert {"dtp3", "measles", "sba"} <= {line.split(" ")[0] for line in result.left_out}
    text = result.path.read_text(encoding="utf-8")
    assert "not in these files: dtp3" in text
    assert "# MICS6 tabulation plan, table PR.1.1 'Birth registration'" in text


def test_written_file_reads_as_commented_yaml(mics):
    text = (mics["ch"].parent / "analysis.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text)["country"]["iso3"] == "XXX"
    assert "# CHECK" in text
    assert len(re.findall(r"^\s*#", text, flags=re.MULTILINE)) > 60


def test_never_overwrites_and_says_what_it_skipped(dhs, tmp_path, capsys):
    target = tmp_path / "analysis.yaml"
    target.write_text("mine\n", encoding="utf-8")
    with pytest.raises(InputError, match="already exists; nothing was written"):
        init_analysis([dhs["KR"]], tmp_path)
    assert target.read_text(encoding="utf-8") == "mine\n"
    stray = tmp_path / "notes.csv"
    stray.write_text("a,b\n1,2\n", encoding="utf-8")
    result = init_analysis([dhs["KR"], stray], tmp_path / "out")
    assert any("notes.csv: not recognised" in n for n in result.notes)
    assert str(dhs["KR"].resolve()) in result.path.read_text(encoding="utf-8")  # outside the folder: absolute path


def test_mixing_programmes_is_refused(dhs, mics, tmp_path):
    with pytest.raises(InputError, match="run lnob init once per survey"):
        init_analysis([dhs["KR"], mics["ch"]], tmp_path)


@pytest.mark.notebook
@pytest.mark.parametrize("programme", ["DHS", "MICS"])
def test_starter_builds_a_report_without_edits(programme, tmp_path):
    from lnob_helpers.report.build import build_reports

    files = write_dhs(tmp_path) if programme == "DHS" else write_mics(tmp_path)
    init_analysis(list(files.values()))
    [result] = build_reports([tmp_path], formats=["html"])
    assert result.error is None, result.error
    assert any(str(p).endswith(".html") for p in result.files)
