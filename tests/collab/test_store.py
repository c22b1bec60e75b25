"""The collaborative store (issue 16) on SQLite and on PostgreSQL: what goes in comes out exactly,
the same package twice is one, a newer package supersedes and the old one stays, a refused or
failed import leaves no trace, two processes importing at once both finish, and every refusal is
one sentence without a password.

Tests taking `store_url` run once on an SQLite file and once on a fresh database of the session's
PostgreSQL server (tests/collab/conftest.py); PostgreSQL-only cases are in test_store_postgres.py.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, select

from lnob_helpers.cli import main
from lnob_helpers.collab import store as store_module
from lnob_helpers.collab.package import FILE_NAMES, Package, read_package
from lnob_helpers.collab.store import CollabStore
from lnob_helpers.collab.store_schema import metadata
from lnob_helpers.config import COLLAB_DB_ENV, collab_db_url
from lnob_helpers.errors import InputError, LnobError
from partners import remade

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A URL where no store is yet: an SQLite file in a folder still to be made, or an empty
    PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'collaborative' / 'store.sqlite'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(scope="module")
def sent(partners) -> dict[str, Package]:
    """Each partner's package as read_package reads it, by file name."""
    return {p.name: read_package(p) for p in partners.packages}


@pytest.fixture
def store(store_url):
    with CollabStore.create(store_url) as made:
        yield made


def _counts(url: str) -> dict[str, int]:
    """Rows in every table of the store."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in metadata.sorted_tables}
    finally:
        engine.dispose()


def _tampered(source: Path, dest: Path) -> Path:
    """A copy whose withheld-cells file changed after the manifest hashed it."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[FILE_NAMES["withheld"]] += b"2024,x,Sex,Female,sex,sex=Female,made up\n"
    with zipfile.ZipFile(dest, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return dest


# --- on both databases --------------------------------------------------------------------------

def test_round_trip_gives_the_same_figures_and_withheld_cells(store, partners, sent):
    outcomes = [store.add(p) for p in partners.packages]
    assert [o.status for o in outcomes] == ["added", "added"]
    rebuilt = {p.sha256: p for p in store.current()}
    assert len(rebuilt) == 2
    for name, package in sent.items():
        got = rebuilt[package.sha256]
        pd.testing.assert_frame_equal(got.aggregates, package.aggregates)  # values and dtypes
        pd.testing.assert_frame_equal(got.withheld, package.withheld)
        pd.testing.assert_frame_equal(got.observations, package.observations)
        assert got.manifest == package.manifest
        assert got.path.name == name
    network = rebuilt[sent["network.zip"].sha256]
    assert network.manifest.quality is not None and network.manifest.quality.validation.level == "partly met"

    listed = store.listing().to_frame()
    assert list(listed["Partner"]) == ["Aruvia Statistics Office", "Aruvia Women's Network"]
    assert list(listed["Source type"]) == ["Survey", "Citizen-generated data"]
    assert list(listed["Period"]) == ["2019-2024", "2024"]
    assert list(listed["Status"]) == ["current", "current"]
    assert list(listed["Figures"]) == [len(p.aggregates) for p in sent.values()]
    assert list(listed["Withheld cells"]) == [len(p.withheld) for p in sent.values()]
    assert not any("id" == c.lower() or c.endswith("_id") for c in listed.columns)


def test_reimport_changes_nothing(store, store_url, partners, sent):
    store.add(partners.network_package)
    before = _counts(store_url)
    again = store.add(partners.network_package)
    assert again.status == "unchanged" and "already in the store" in again.sentence
    assert _counts(store_url) == before
    assert before["packages"] == 1 and before["figures"] == len(sent["network.zip"].aggregates)


def test_a_newer_package_supersedes_and_the_old_one_is_kept(store, store_url, partners, sent, tmp_path):
    first = partners.network_package
    made = sent[first.name].manifest.created
    newer = remade(first, tmp_path / "network_newer.zip", made + timedelta(seconds=1),
                     partner_name="  ARUVIA women's network ")  # the same partner, however it is spelt
    older = remade(first, tmp_path / "network_older.zip", made - timedelta(days=30))
    assert store.add(first).status == "added"
    outcome = store.add(newer)
    assert outcome.status == "updated" and "supersedes" in outcome.sentence and "kept" in outcome.sentence
    late = store.add(older)
    assert late.status == "superseded" and "made later" in late.sentence

    listed = store.listing().to_frame()
    assert list(listed["Status"]) == ["current", "superseded", "superseded"]
    assert _counts(store_url)["partners"] == 1
    assert _counts(store_url)["figures"] == 3 * len(sent[first.name].aggregates)
    (current,) = store.current()
    assert current.sha256 == read_package(newer).sha256
    assert current.manifest.created == made + timedelta(seconds=1)


def test_a_refused_package_leaves_the_store_as_it_was(store, store_url, partners, sent, tmp_path, capsys):
    store.add(partners.network_package)
    before, listed = _counts(store_url), store.listing().to_frame()
    bad = _tampered(partners.network_package, tmp_path / "tampered.zip")
    with pytest.raises(InputError) as refused:
        store.add(bad)
    assert any("SHA-256 does not match" in p for p in refused.value.problems)
    assert _counts(store_url) == before
    pd.testing.assert_frame_equal(store.listing().to_frame(), listed)

    # the command line: the refused package's sentence and a non-zero exit, the good one imported
    newer = remade(partners.network_package, tmp_path / "newer.zip",
                     sent["network.zip"].manifest.created + timedelta(days=1))
    folder = tmp_path / "analysis"
    folder.mkdir()
    code = main(["collab", "add", str(folder), str(bad), str(newer), "--db", store_url])
    out, err = capsys.readouterr()
    assert code != 0
    assert "tampered.zip: refused, nothing imported" in err and "SHA-256 does not match" in err
    assert "Traceback" not in err
    assert out.startswith("newer.zip:") and "supersedes" in out
    assert _counts(store_url)["packages"] == 2


def test_a_failure_during_the_import_leaves_nothing_behind(store, store_url, partners, monkeypatch):
    before = _counts(store_url)
    real = store_module._insert_rows

    def fail_after_figures(conn, table, package_id, frame):
        if table.name == "withheld_cells":  # the package row and its figures are written by now
            raise RuntimeError("disk full")
        real(conn, table, package_id, frame)

    monkeypatch.setattr(store_module, "_insert_rows", fail_after_figures)
    with pytest.raises(RuntimeError):
        store.add(partners.network_package)
    assert _counts(store_url) == before
    monkeypatch.setattr(store_module, "_insert_rows", real)
    assert store.add(partners.network_package).status == "added"  # nothing half-made stands in the way


def test_an_import_that_loses_the_race_finds_the_winner(store, store_url, partners, monkeypatch):
    """Another process commits the same package between this import's look and its insert: the
    unique SHA-256 refuses the second copy, and the retry sees the first and says unchanged."""
    with CollabStore.open(store_url) as other:
        other.add(partners.network_package)
    before = _counts(store_url)
    real, blind = store_module._already, iter(range(2))

    def not_yet(conn, name, sha256):
        return None if next(blind, None) is not None else real(conn, name, sha256)

    monkeypatch.setattr(store_module, "_already", not_yet)
    assert store.add(partners.network_package).status == "unchanged"
    assert _counts(store_url) == before


def test_two_processes_importing_at_once(store, store_url, partners, sent, tmp_path):
    """One process adds office then network, the other network then office, at the same time:
    both finish without error, each package is in the store once, added by one process and found
    unchanged by the other."""
    folder = tmp_path / "analysis"
    folder.mkdir()
    order = [partners.packages, partners.packages[::-1]]
    runs = [subprocess.Popen([sys.executable, "-m", "lnob_helpers.cli", "collab", "add", str(folder),
                              *map(str, packages), "--db", store_url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
            for packages in order]
    results = [(run.wait(timeout=600), *run.communicate()) for run in runs]
    for code, out, err in results:
        assert code == 0, err
        assert err == ""
    for path in partners.packages:
        said = [line for _, out, _ in results for line in out.splitlines() if line.startswith(f"{path.name}:")]
        assert len(said) == 2
        assert sum(" added" in line for line in said) == 1 and sum("already in the store" in line for line in said) == 1
    counts = _counts(store_url)
    assert counts["packages"] == 2 and counts["partners"] == 2 and counts["current_packages"] == 2
    assert counts["figures"] == sum(len(p.aggregates) for p in sent.values())


def test_the_migrations_build_the_schema_the_models_declare(store, store_url):
    engine = create_engine(store_url)
    try:
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_create_again_says_up_to_date_and_open_refuses_an_empty_database(store_url):
    with CollabStore.create(store_url) as made:
        assert "created" in made.schema_note
    with CollabStore.create(store_url) as again:
        assert "up to date" in again.schema_note
    with CollabStore.open(store_url) as opened:
        assert opened.listing().packages == ()


# --- SQLite and the command line ------------------------------------------------------------------

def test_where_the_store_lives(tmp_path, monkeypatch):
    monkeypatch.delenv(COLLAB_DB_ENV, raising=False)
    assert collab_db_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'collaborative' / 'store.sqlite'}"
    monkeypatch.setenv(COLLAB_DB_ENV, "postgresql://team@db.example.invalid/lnob")
    assert collab_db_url(tmp_path) == "postgresql://team@db.example.invalid/lnob"
    assert collab_db_url(tmp_path, str(tmp_path / "elsewhere.sqlite")) == f"sqlite:///{tmp_path.resolve()}/elsewhere.sqlite"
    monkeypatch.delenv(COLLAB_DB_ENV)
    with pytest.raises(InputError, match="no such folder"):
        collab_db_url(tmp_path / "missing")


def test_cli_init_add_list(partners, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(COLLAB_DB_ENV, raising=False)
    folder = partners.office_folder
    target = tmp_path / "store.sqlite"
    # the default home first: init makes FOLDER/collaborative/store.sqlite, and says so twice
    home = tmp_path / "home"
    home.mkdir()
    assert main(["collab", "init", str(home)]) == 0
    assert main(["collab", "init", str(home)]) == 0
    out = capsys.readouterr().out
    assert "created" in out and "up to date" in out and (home / "collaborative" / "store.sqlite").is_file()

    assert main(["collab", "list", str(folder), "--db", str(target)]) != 0
    assert "no collaborative store here" in capsys.readouterr().err
    assert main(["collab", "init", str(folder), "--db", str(target)]) == 0
    assert main(["collab", "list", str(folder), "--db", str(target)]) == 0
    assert "no packages yet" in capsys.readouterr().out
    assert main(["collab", "add", str(folder), *map(str, partners.packages), "--db", str(target)]) == 0
    assert main(["collab", "add", str(folder), str(partners.network_package), "--db", str(target)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("network.zip: already in the store")
    assert main(["collab", "list", str(folder), "--db", str(target)]) == 0
    table = capsys.readouterr().out
    assert "Aruvia Statistics Office" in table and "Citizen-generated data" in table and "current" in table
    assert "Partner" in table.splitlines()[0]


def test_open_refusals_are_one_sentence(tmp_path):
    cases = {
        f"sqlite:///{tmp_path / 'nowhere' / 'store.sqlite'}": "no collaborative store here",
        "postgresql://lnob:hunter2@127.0.0.1:notaport/db": "not a database address",
        "not a database": "not a database address",
        "mysql://lnob:hunter2@127.0.0.1/db": "runs on SQLite or PostgreSQL",
    }
    for url, said in cases.items():
        with pytest.raises(LnobError) as refused:
            CollabStore.open(url)
        message = str(refused.value)
        assert said in message
        assert "hunter2" not in message and "\n" not in message and "Traceback" not in message
    not_sqlite = tmp_path / "notes.sqlite"
    not_sqlite.write_text("not a database")
    with pytest.raises(LnobError, match="file is not a database"):
        CollabStore.open(f"sqlite:///{not_sqlite}")


def test_a_package_whose_counts_are_not_whole_is_refused(sent):
    """The store keeps n as whole numbers; a fractional count is said, not rounded."""
    table = sent["network.zip"].aggregates.assign(n=lambda t: t["n"] + 0.5)
    with pytest.raises(InputError, match="column n: not a whole number"):
        store_module._figure_values(table, "network.zip/aggregates_heat_plus.csv")
