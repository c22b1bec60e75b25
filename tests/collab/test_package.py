"""Contribution packages (issue 16): what `lnob share` writes, and everything import refuses.

One hostile copy of Aruvia (payloads in every label, tests/hostile.py) runs Step 1's tables once
for the module; the package made from it is then tampered with, one fault at a time, and each
fault must come back as a sentence naming the file, column, code or field, with nothing read.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import stat
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sdmx

from hostile import FORMULAS, HYPERLINK, SCRIPT, hostile_copy
from lnob_helpers.cli import main
from lnob_helpers.collab.package import FILE_NAMES, MANIFEST_NAME, read_package, write_package
from lnob_helpers.collab.sdmx_csv import DIMENSIONS, coded_observations, sdmx_structure
from lnob_helpers.config import Suppression, load_analysis
from lnob_helpers.disaggregate import write_disaggregation
from lnob_helpers.errors import InputError
from lnob_helpers.exports import FORMULA_STARTS, unescape_text

PARTNER = f"{HYPERLINK} {SCRIPT} Friends of Aruvia"
QUALITY = {key: {"level": level, "note": f"Said plainly for {key}."} for key, level in (
    ("sampling_or_coverage", "partly met"), ("method_documented", "met"), ("validation", "not known"),
    ("timeliness", "met"), ("ethics_consent", "met"))}
HEAT, SDMX, WITHHELD = FILE_NAMES["heat_plus"], FILE_NAMES["sdmx_csv"], FILE_NAMES["withheld"]


@pytest.fixture(scope="module")
def shared(sample_dir, tmp_path_factory):
    """The hostile analysis with Step 1's tables written, and the package `write_package` made of it."""
    base = tmp_path_factory.mktemp("collab")
    folder = hostile_copy(sample_dir, base / "aruvia")
    write_disaggregation(load_analysis(folder))
    path = write_package(folder, base / "contribution.zip", {
        "partner": {"name": PARTNER, "contact": "data@example.invalid"}, "source_type": "citizen_generated",
        "licence": "CC-BY-4.0", "quality": QUALITY})
    return folder, path


@pytest.fixture(scope="module")
def package(shared):
    return read_package(shared[1])


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _repack(path: Path, dest: Path, changes: dict[str, bytes], rehash: bool = True, manifest=None) -> Path:
    """A copy of the package with `changes` (name -> bytes); the manifest's hashes follow the
    change unless `rehash` is False, and `manifest` may edit the manifest's fields."""
    members = _members(path) | changes
    fields = json.loads(members[MANIFEST_NAME])
    if rehash:
        for entry in fields["files"]:
            entry["sha256"] = hashlib.sha256(members[entry["name"]]).hexdigest()
    if manifest is not None:
        manifest(fields)
    members[MANIFEST_NAME] = json.dumps(fields).encode()
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return dest


def _table(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _refused(path: Path, **kwargs) -> list[str]:
    with pytest.raises(InputError) as caught:
        read_package(path, **kwargs)
    return caught.value.problems


def _step1(folder: Path) -> pd.DataFrame:
    """Step 1's table as the analysis published it, its text read back as typed."""
    frame = pd.read_csv(folder / "outputs" / "step1" / "disaggregation_2024.csv", keep_default_na=False,
                        na_values=[""])
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype(object).map(unescape_text)
    return frame


# --- what a package holds --------------------------------------------------------------------

def test_the_package_holds_exactly_the_published_figures(shared, package):
    step1 = _step1(shared[0])
    shown, withheld = step1[step1["estimate"].notna()], step1[step1["estimate"].isna()]
    figures = package.to_frame()
    keys = ["date", "indicator_abbr", "group_id"]
    got = figures.set_index(keys).sort_index()
    want = shown.set_index(keys).sort_index()
    assert got.index.equals(want.index)
    for column in ("estimate", "se", "ci_lb", "ci_ub", "population", "n", "share", "setting_average"):
        np.testing.assert_allclose(got[column].to_numpy(float), want[column].to_numpy(float), rtol=1e-12)
    for column in ("setting", "source", "indicator_name", "dimension", "subgroup", "flag", "factors"):
        assert (got[column].fillna("") == want[column].fillna("")).all(), column
    assert set(zip(*(package.withheld[k].astype(str) for k in keys))) == set(
        zip(*(withheld[k].astype(str) for k in keys)))
    assert {"estimate", "se", "n", "population", "share"}.isdisjoint(package.withheld.columns)
    # an ordered dimension with a withheld subgroup is shared, but no longer as ordered
    gaps = withheld[withheld["ordered_dimension"] == 1][["indicator_abbr", "dimension_id"]].drop_duplicates()
    unordered = figures.merge(gaps, on=["indicator_abbr", "dimension_id"])
    assert len(unordered) and (unordered["ordered_dimension"] == 0).all()
    assert (figures["flag"] != "suppressed").all() and (figures["n"] >= 25).all()


def test_the_manifest_says_who_what_and_how(package):
    m = package.manifest
    assert (m.partner.name, m.source_type, m.licence, m.country.iso3) == (PARTNER, "citizen_generated",
                                                                         "CC-BY-4.0", "XAV")
    assert (m.period.start, m.period.end) == (2024, 2024) and m.suppression.min_n == 25
    assert m.quality.sampling_or_coverage.level == "partly met"
    assert {f.name for f in m.files} == set(FILE_NAMES.values())
    assert f"{len(package.aggregates):,} figures" in package.summary()


def test_the_sdmx_csv_reads_back_with_sdmx1(shared, package):
    _, flow = sdmx_structure()  # the dataflow the package declares; sdmx1 reads the file against it
    message = sdmx.read_sdmx(io.BytesIO(_members(shared[1])[SDMX]), format="csv", structure=flow)
    obs = {tuple(kv.value for kv in o.key.values.values()): o for o in message.data[0].obs}
    assert len(obs) == len(package.aggregates)
    figures = package.aggregates
    national = figures[(figures["indicator_abbr"] == "water") & (figures["group_id"] == "national")].iloc[0]
    key = ("water", "XAV", "_T", "_T", "_T", "_T", "_T", "_T", "2024")
    assert float(obs[key].value) == pytest.approx(national["estimate"], rel=1e-12)
    assert float(obs[key].attached_attribute["LOWER_BOUND"].value) == pytest.approx(national["ci_lb"], rel=1e-12)
    assert obs[key].attached_attribute["UNIT_MEASURE"].value == "PERCENT"
    codes = {dim: {k[DIMENSIONS.index(dim)] for k in obs} for dim in DIMENSIONS}
    assert codes["SEX"] == {"F", "M", "_T"}
    assert codes["INCOME_WEALTH_QUANTILE"] == {"Q1", "Q2", "Q3", "Q4", "Q5", "B40", "T60", "_T"}
    assert codes["DISABILITY_STATUS"] == {"PD", "PWD", "_T"}
    assert {"Y0T4", "Y15T24", "Y_GE65"} <= codes["AGE"]
    # the hostile area labels are no SDG codes, so area goes to the extra dimension, never guessed
    assert codes["URBANISATION"] == {"_T"} and "AREA_URBAN" in codes["LNOB_BREAKDOWN"]
    women_poorest = figures[figures["group_id"] == "wealth=Poorest & sex=Female"].iloc[0]
    assert obs[(women_poorest["indicator_abbr"], "XAV", "F", "_T", "_T", "Q1", "_T", "_T", "2024")]


def _heat_rows(groups: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({"group_id": [g for g, _ in groups], "dimension_id": [d for _, d in groups],
                         "indicator_abbr": "water", "iso3": "XAV", "date": 2024, "estimate": 50.0,
                         "indicator_scale": 100, "ci_lb": 40.0, "ci_ub": 60.0, "flag": "ok"})


def test_circumstances_map_to_sdg_dimensions_only_when_they_match():
    coded = coded_observations(_heat_rows([
        ("national", "national"), ("area=Urban", "area"), ("area=Rural", "area"),
        ("sex=Female", "sex"), ("sex=Male", "sex"), ("head=Female", "head"), ("head=Male", "head"),
        ("terc=Poorest", "terc"), ("terc=Middle", "terc"), ("terc=Richest", "terc"),
        ("age=15-24", "age"), ("age=65+", "age"), ("area=Rural & terc=Poorest", "area & terc"),
    ]))
    assert coded.iloc[0][list(DIMENSIONS[2:-1])].eq("_T").all()
    assert coded["URBANISATION"].tolist()[1:3] == ["U", "R"]
    # sex and sex of the household head would both give F/M: neither is guessed to be SEX
    assert set(coded["SEX"]) == {"_T"}
    assert coded["LNOB_BREAKDOWN"].tolist()[3:7] == ["SEX_FEMALE", "SEX_MALE", "HEAD_FEMALE", "HEAD_MALE"]
    # three categories named like quintiles are not quintiles
    assert set(coded["INCOME_WEALTH_QUANTILE"]) == {"_T"} and coded["LNOB_BREAKDOWN"][7] == "TERC_POOREST"
    assert coded["AGE"].tolist()[10:12] == ["Y15T24", "Y_GE65"]
    assert coded.iloc[12][["URBANISATION", "LNOB_BREAKDOWN"]].tolist() == ["R", "TERC_POOREST"]


# --- refusals --------------------------------------------------------------------------------

def test_a_changed_file_is_refused_by_its_hash(shared, tmp_path):
    heat = _table(_members(shared[1])[HEAT])
    heat.loc[0, "estimate"] = "99.9"
    problems = _refused(_repack(shared[1], tmp_path / "p.zip", {HEAT: _csv(heat)}, rehash=False))
    assert problems == [f"p.zip/{HEAT}: its SHA-256 does not match the manifest's; the file was changed after "
                        "the package was made."]


def test_unknown_codes_and_flags_are_refused(shared, tmp_path):
    members = _members(shared[1])
    sdmx_rows, heat = _table(members[SDMX]), _table(members[HEAT])
    sdmx_rows.loc[3, "SEX"] = "X"
    heat.loc[5, "flag"] = "fine"
    problems = _refused(_repack(shared[1], tmp_path / "p.zip", {SDMX: _csv(sdmx_rows), HEAT: _csv(heat)}))
    assert any(p.startswith(f"p.zip/{SDMX}: row 5, column SEX: unknown code 'X'; expected one of F, M, _T")
               for p in problems), problems
    assert any(p.startswith(f"p.zip/{HEAT}: row 7, column flag: unknown flag 'fine'") for p in problems), problems


def test_the_two_formats_must_agree(shared, tmp_path):
    sdmx_rows = _table(_members(shared[1])[SDMX])
    sdmx_rows.loc[2, "OBS_VALUE"] = "12.5"
    problems = _refused(_repack(shared[1], tmp_path / "p.zip", {SDMX: _csv(sdmx_rows)}))
    assert len(problems) == 1 and "1 figure(s) differ" in problems[0] and HEAT in problems[0]


def test_microdata_is_refused(shared, tmp_path):
    persons = pd.DataFrame({"person_id": range(1, 301), "sex": "Female", "age": 30, "weight": 1.5,
                            "cluster": 7, "sba": 1})
    problems = _refused(_repack(shared[1], tmp_path / "p.zip", {HEAT: _csv(persons)}))
    assert any("'person_id' identifies people" in p and "microdata" in p for p in problems), problems
    assert any("'weight' identifies people or their survey design" in p for p in problems), problems
    # a row per person in the template's own columns
    heat = _table(_members(shared[1])[HEAT]).head(300).copy()
    heat["n"] = "1"
    heat[["ordered_dimension", "subgroup_order"]] = "0"
    heat["group_id"] = [f"person=P{k}" for k in range(len(heat))]
    heat["subgroup"] = heat["group_id"]
    problems = _refused(_repack(shared[1], tmp_path / "q.zip", {HEAT: _csv(heat)}))
    assert any("every row rests on at most one person" in p for p in problems), problems
    # a file the manifest does not list
    problems = _refused(_repack(shared[1], tmp_path / "r.zip", {"persons.csv": _csv(persons)}))
    assert problems == ["r.zip/persons.csv: not declared in the manifest; a package holds only its manifest "
                        "and the files it lists."]


def test_small_cells_are_refused(shared, tmp_path):
    heat = _table(_members(shared[1])[HEAT])
    heat.loc[4, "n"] = "10"
    problems = _refused(_repack(shared[1], tmp_path / "p.zip", {HEAT: _csv(heat)}))
    assert problems[0] == (f"p.zip/{HEAT}: row 6, column n: a figure rests on fewer than 25 unweighted cases; "
                           "such cells must be withheld, not shared.")
    # the importer's own rule counts when it is stricter than the partner's
    problems = _refused(shared[1], suppression=Suppression(min_n=100, caution_n=100))
    assert any("fewer than 100 unweighted cases" in p for p in problems)


def _zip_with(path: Path, dest: Path, extra: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in _members(path).items():
            archive.writestr(name, data)
        for info, data in extra:
            archive.writestr(info, data)
    return dest


def test_unsafe_members_are_refused_and_never_written(shared, tmp_path):
    link = zipfile.ZipInfo("link.csv")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    bomb = zipfile.ZipInfo("zeros.csv")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    path = _zip_with(shared[1], tmp_path / "p.zip", [
        ("../evil.csv", b"x"), ("/tmp/absolute.csv", b"x"), ("sub/file.csv", b"x"), (link, b"/etc/passwd"),
        (bomb, bytes(8 * 2**20))])
    problems = _refused(path)
    assert problems[:5] == [
        "p.zip: member '../evil.csv' climbs out of the package with '..'; it was not read.",
        "p.zip: member '/tmp/absolute.csv' has an absolute path; it was not read.",
        "p.zip: member 'sub/file.csv' lies in a folder; a package holds its files at the top level; it was not read.",
        "p.zip: member 'link.csv' is a symbolic link; it was not read.",
        "p.zip: member 'zeros.csv' grows more than 200 times when unpacked (a zip bomb); it was not read.",
    ]
    assert not (tmp_path.parent / "evil.csv").exists()


def test_unknown_manifest_keys_and_missing_quality_are_refused(shared, tmp_path):
    def edit(fields):
        fields["colour"] = "red"
        fields["partner"]["nmae"] = "typo"
    def administrative(fields):
        fields["source_type"] = "administrative"
        del fields["quality"]
    problems = _refused(_repack(shared[1], tmp_path / "p.zip", {}, manifest=edit))
    assert sorted(problems) == [f"p.zip/{MANIFEST_NAME}: `colour` is not a known key (check the spelling).",
                                f"p.zip/{MANIFEST_NAME}: `partner.nmae` is not a known key (check the spelling)."]
    problems = _refused(_repack(shared[1], tmp_path / "q.zip", {}, manifest=administrative))
    assert problems == [f"q.zip/{MANIFEST_NAME}: figures from administrative data need a quality assessment "
                        "(`quality`): a level and a sentence for each of sampling or coverage, method documented, "
                        "validation, timeliness, ethics and consent."]


def test_every_problem_is_listed_and_nothing_is_read(shared, tmp_path):
    members = _members(shared[1])
    heat, sdmx_rows = _table(members[HEAT]), _table(members[SDMX])
    heat.loc[0, "estimate"] = "1"
    sdmx_rows.loc[0, "AGE"] = "old"
    path = _repack(shared[1], tmp_path / "p.zip", {SDMX: _csv(sdmx_rows)})
    path = _repack(path, tmp_path / "q.zip", {HEAT: _csv(heat)}, rehash=False)
    problems = _refused(path)
    assert len(problems) == 2 and "SHA-256" in problems[0] and "column AGE: unknown code 'old'" in problems[1]


# --- hostile text ------------------------------------------------------------------------------

def test_hostile_text_stays_text_and_the_csvs_are_formula_safe(shared, package):
    members = _members(shared[1])
    assert json.loads(members[MANIFEST_NAME])["partner"]["name"] == PARTNER == package.manifest.partner.name
    for name in (HEAT, SDMX, WITHHELD):
        for row in csv.reader(io.StringIO(members[name].decode("utf-8"))):
            for cell in row:
                if cell.startswith(FORMULA_STARTS):
                    float(cell)  # only a negative number may start with "-"
    texts = set(package.aggregates["indicator_name"]) | set(package.aggregates["dimension"])
    assert any(t.startswith(FORMULAS) for t in texts)  # read back as typed, payload first


# --- the command ---------------------------------------------------------------------------------

def test_lnob_share_writes_once_and_says_what_it_holds(shared, tmp_path, capsys):
    out = tmp_path / "mine.zip"
    args = ["share", str(shared[0]), "--partner", "Aruvia Statistics Office", "--source-type", "survey",
            "--licence", "CC-BY-4.0", "--period", "2024", "--out", str(out)]
    assert main(args) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"wrote {out}: ") and "figures on 12 indicators for 2024" in line and "\n" not in line
    before = out.read_bytes()
    assert main(args) == 2
    assert "already exists" in capsys.readouterr().err and out.read_bytes() == before
    assert read_package(out).manifest.source_type == "survey"


def test_the_sample_partner_package_is_valid_and_current(sample_dir, partners):
    """The package shipped with the sample, for trainers to try the Partners tab, is accepted and holds
    the figures tests/partners.py makes afresh today."""
    shipped = read_package(sample_dir / "partner_package_womens_network.zip")
    fresh = read_package(partners.network_package)
    assert shipped.manifest.partner.name == fresh.manifest.partner.name == "Aruvia Women's Network"
    assert shipped.manifest.quality == fresh.manifest.quality
    pd.testing.assert_frame_equal(shipped.aggregates, fresh.aggregates)
    pd.testing.assert_frame_equal(shipped.withheld, fresh.withheld)
