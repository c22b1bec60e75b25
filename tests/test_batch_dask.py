"""Batch reports on Dask distributed: three countries on a cluster on loopback, one of them broken.

The cluster is the one `lnob report --cluster dask` starts (two worker processes on 127.0.0.1), and
the batch reaches it the way it reaches a cluster elsewhere: through `--scheduler tcp://...`.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from lnob_helpers.cli import main
from lnob_helpers.config import load_analysis
from lnob_helpers.report.cluster import dask_client, finished_tasks
from lnob_helpers.report.comparison import COLUMNS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic_countries import make_countries  # noqa: E402  (the batch benchmark's countries)


@pytest.fixture(scope="module")
def cluster():
    with dask_client(workers=2) as (client, where):
        assert client.scheduler.address.startswith("tcp://127.0.0.1:") and "2 workers" in where
        yield client
    assert client.status == "closed"


@pytest.mark.notebook
def test_three_countries_on_a_dask_cluster(cluster, sample_dir, tmp_path, capsys):
    folders = make_countries(tmp_path / "analyses", 3)
    good, broken = folders[:2], folders[2]
    yaml = broken / "analysis.yaml"
    yaml.write_text(yaml.read_text().replace("column: birth_attendant ", "column: no_such_column ", 1))
    out = tmp_path / "reports"

    status = main(["report", *map(str, folders), "--scheduler", cluster.scheduler.address, "--out", str(out)])
    printed, errors = capsys.readouterr()

    assert status == 1  # one country failed; the others were built all the same
    for folder in good:
        assert (out / folder.name / "report.html").exists() and (out / folder.name / "tables.xlsx").exists()
        assert re.search(rf"^\[[123]/3\] {folder.name} done in ", printed, re.M)
    assert not (out / broken.name / "report.html").exists()
    assert re.search(rf"^\[[123]/3\] {broken.name} FAILED: Step 1 .*no_such_column", printed, re.M)
    assert "2 of 3 reports built; failed: dalmora." in printed
    failures = [line for line in errors.splitlines() if line.startswith("FAILED")]
    assert len(failures) == 1 and str(broken) in failures[0] and "'no_such_column' is not in the data" in failures[0]

    table = pd.read_csv(out / "comparison.csv")
    assert f"comparison of 2 countries on 12 shared indicator(s): {out / 'comparison.csv'}" in printed
    assert (out / "comparison.xlsx").exists()
    assert list(table.columns) == list(COLUMNS)  # aggregates in HEAT Plus columns, no microdata column
    assert set(table["country"]) == {"Belvania", "Corvinia"} and set(table["iso3"]) == {"XBE", "XCO"}
    assert set(table["indicator_abbr"]) == {i.id for i in load_analysis(sample_dir).indicators}
    assert set(table["date"]) == {2024}  # the latest round of each
    assert (table["n"] >= 25).all() and "suppressed" not in set(table["flag"])
    assert table.duplicated(["country", "indicator_abbr", "dimension", "subgroup"]).sum() == 0


def test_a_worker_that_dies_fails_its_task_alone(cluster):
    (name, result, why), = finished_tasks(cluster, os._exit, {"crashing": (3,)})
    assert (name, result) == ("crashing", None) and why.startswith("the Dask worker running it stopped")
    assert list(finished_tasks(cluster, abs, {"after": (-2,)})) == [("after", 2, None)]
