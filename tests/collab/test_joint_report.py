"""The joint monitoring report of a data collaborative (issue 16): `lnob collab report`.

Both partners of tests/partners.py go into a store beside a copy of the statistics office's
analysis, whose Step 1 figures are "our survey". The report is built once per module in HTML and
Word; a hostile partner name, a disagreement, the three refusals and a PostgreSQL store are
checked on their own.
"""

from __future__ import annotations

import dataclasses
import html
import re
import shutil
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy.engine import make_url

from hostile import SCRIPT
from lnob_helpers.cli import main
from lnob_helpers.collab.package import read_package
from lnob_helpers.collab.quality import quality_words
from lnob_helpers.collab.store import CollabStore
from lnob_helpers.collab.triangulate import own_figures, triangulate
from lnob_helpers.config import load_analysis
from lnob_helpers.report.joint import build_joint_report, disagreements_html, own_source_name
from lnob_helpers.render import interval
from partners import remade

OFFICE, NETWORK = "Aruvia Statistics Office", "Aruvia Women's Network"
SECTIONS = ("Summary", "Partners and their sources", "Coverage and gaps", "Triangulated findings",
            "How the sources were matched and counted", "Sources and provenance")
# ids of groups and indicators that no label of the sample contains
IDS = ("sex=Female", "age_group=", "dimension_id", "group_id", "secondary_completion", "clean_fuel",
       "birth_registration", "child_marriage")


def _quiet(message: str) -> None:
    """Progress is not under test."""


def _text(fragment: str) -> str:
    """What a reader sees: tags (and the style sheet) removed, entities read."""
    fragment = re.sub(r"<style>.*?</style>", "", fragment, flags=re.S).replace("<wbr>", "")
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _section(page: str, anchor: str) -> str:
    """The HTML of the section whose heading has id `anchor`."""
    start = page.index(f'<h2 id="{anchor}">')
    end = page.find("<section", start)
    return page[start:end if end > 0 else len(page)]


def _store(url: str, packages: list[Path]) -> None:
    with CollabStore.create(url) as store:
        for package in packages:
            store.add(package)


@pytest.fixture(scope="module")
def office_copy(partners, tmp_path_factory) -> Path:
    """The office's analysis with its Step 1 tables, in a folder of this module's own."""
    dest = tmp_path_factory.mktemp("joint") / "office"
    shutil.copytree(partners.office_folder, dest, ignore=shutil.ignore_patterns("collaborative", "collab_report"))
    return dest


@pytest.fixture(scope="module")
def built(office_copy, partners) -> list[Path]:
    """The joint report of both partners, from the default SQLite store beside the analysis."""
    _store(f"sqlite:///{office_copy / 'collaborative' / 'store.sqlite'}", partners.packages)
    return build_joint_report(office_copy, progress=_quiet)


@pytest.fixture(scope="module")
def page(built) -> str:
    return built[0].read_text(encoding="utf-8")


def test_the_report_is_written_in_html_and_word_beside_the_analysis(built, office_copy):
    folder = office_copy.resolve() / "outputs" / "collab_report"
    assert built == [folder / "joint_report.html", folder / "joint_report.docx"]
    assert all(path.stat().st_size > 0 for path in built)


def test_the_page_names_both_partners_and_has_every_section_and_the_figure(page):
    seen = _text(page)
    assert OFFICE in seen and NETWORK in seen
    for title in SECTIONS:
        assert f">{title}</h2>" in page
    coverage = _section(page, "coverage")
    assert re.search(r'<img alt="[^"]+" src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', coverage)
    assert "Women and men" in coverage and "Women only" in _text(coverage)


def test_the_summary_says_who_shares_how_much_agrees_and_what_is_missing(page):
    summary = _section(page, "summary")
    sentences = [_text(p).strip() for p in re.findall(r"<p>.*?</p>", summary, flags=re.S)]
    assert 4 <= len(sentences) <= 8
    said = " ".join(sentences)
    assert "2 partners" in said and "1 survey and 1 citizen-generated data source" in said
    assert "agree within the intervals" in said
    assert "have figures for women only" in said


def test_partners_method_coverage_and_quality_sit_beside_their_numbers(page):
    partners = _text(_section(page, "partners"))
    assert "Citizen-generated data" in partners and "CC-BY-SA-4.0" in partners
    assert "Half of the survey's clusters, chosen by where members work." in partners
    assert "3 of 5 criteria met; partly met: sampling or coverage, validation" in partners
    assert "Method:" in partners and "Coverage:" in partners


def test_the_real_partners_do_not_disagree_and_each_indicator_has_its_figures(page):
    findings = _section(page, "findings")
    assert "No partner's figure differs from ours" in _text(findings)
    assert "Figures for 2024, indicator by indicator" in findings
    assert ">Births attended by skilled health personnel</h4>" in findings
    assert "67.1 (64.2-69.8)" in findings


def test_the_gap_table_lists_only_gaps_grouped_by_indicator(page):
    gaps = _section(page, "coverage")
    assert "One source only: " + NETWORK in _text(gaps)
    assert _text(gaps).count("Measured, but too few cases to publish in every source") < 20


def test_labels_not_ids_outside_the_provenance_annex(page):
    read = _text(page[:page.index('<h2 id="provenance">')])
    for found in IDS:
        assert found not in read
    assert not re.search(r"\bsba\b", read)


def test_the_provenance_annex_names_store_packages_hashes_and_the_rule(page, partners):
    annex = _text(_section(page, "provenance"))
    assert "store.sqlite" in annex
    for package in partners.packages:
        assert read_package(package).sha256 in annex
    assert "CC-BY-4.0" in annex and "0.1.0" in annex
    assert "intervals overlap" in annex and "rule of three" in annex


def test_the_word_version_opens_with_both_partners_and_tables(built):
    document = Document(str(built[1]))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert OFFICE in paragraphs and NETWORK in paragraphs
    assert "Triangulated findings" in paragraphs
    assert len(document.tables) >= 1


def test_a_shifted_partner_figure_is_listed_as_a_disagreement(partners):
    own = own_figures(load_analysis(partners.office_folder))
    network = read_package(partners.network_package)
    figures = network.aggregates.copy()
    pick = ((figures["date"] == 2024) & (figures["indicator_abbr"] == "water")
            & (figures["group_id"] == "sex=Female"))
    assert pick.sum() == 1
    before = figures.loc[pick].iloc[0]
    figures.loc[pick, ["estimate", "ci_lb", "ci_ub"]] -= 30
    shifted = dataclasses.replace(network, aggregates=figures.reset_index(drop=True))
    section = _text(disagreements_html(triangulate(own, "Our survey", [shifted])))
    assert "1 figure from the partners differs" in section
    assert NETWORK in section and "Sex: Female" in section
    assert interval(before["estimate"] - 30, before["ci_lb"] - 30, before["ci_ub"] - 30) in section
    assert quality_words(network.manifest) in section
    assert "No partner's figure differs" not in section


def test_a_hostile_partner_name_is_shown_as_text(partners, office_copy, tmp_path):
    name = f"{SCRIPT} Network & co"
    hostile = remade(partners.network_package, tmp_path / "hostile.zip", read_package(partners.network_package).manifest.created, name)
    db = tmp_path / "hostile.sqlite"
    _store(f"sqlite:///{db}", [partners.office_package, hostile])
    files = build_joint_report(office_copy, db=str(db), out=tmp_path / "report", progress=_quiet)
    page = files[0].read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert name in _text(page)
    words = "\n".join(p.text for p in Document(str(files[1])).paragraphs)
    assert name in words  # plain text in Word, not markup


def test_the_command_writes_the_files(office_copy, built, tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["collab", "report", str(office_copy), "--out", str(out), "--paper", "letter"]) == 0
    printed = capsys.readouterr().out
    for name in ("joint_report.html", "joint_report.docx"):
        assert (out / name).is_file() and f"wrote {out.resolve() / name}" in printed


def _refused(args: list[str], capsys) -> str:
    assert main(["collab", "report", *args]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_no_store_no_packages_and_no_step1_are_one_sentence_each(office_copy, partners, tmp_path, capsys):
    missing = tmp_path / "none.sqlite"
    assert "lnob collab init" in _refused([str(office_copy), "--db", str(missing)], capsys)
    empty = tmp_path / "empty.sqlite"
    CollabStore.create(f"sqlite:///{empty}").close()
    err = _refused([str(office_copy), "--db", str(empty)], capsys)
    assert "no packages" in err and "lnob collab add" in err
    bare = tmp_path / "bare"
    shutil.copytree(partners.office_folder, bare, ignore=shutil.ignore_patterns("outputs", "collaborative"))
    err = _refused([str(bare), "--db", str(empty)], capsys)
    assert "Step 1" in err and "lnob tables" in err
    assert not (bare / "outputs" / "collab_report").exists()


def test_the_report_builds_from_a_postgresql_store(postgres_url, office_copy, partners, tmp_path):
    _store(postgres_url, partners.packages)
    files = build_joint_report(office_copy, db=postgres_url, out=tmp_path, formats=("html",), progress=_quiet)
    assert files == [tmp_path.resolve() / "joint_report.html"]
    page = files[0].read_text(encoding="utf-8")
    seen = _text(page)
    assert OFFICE in seen and NETWORK in seen
    assert make_url(postgres_url).password not in page and "postgresql+psycopg://lnob:***@" in seen


def test_our_survey_is_named_after_its_rounds(partners):
    office, network = (load_analysis(folder) for folder in (partners.office_folder, partners.network_folder))
    assert own_source_name(office) == "Our survey (Aruvia Household Survey, 2019 and 2024)"
    assert own_source_name(network) == "Our survey (Aruvia Household Survey 2024)"
