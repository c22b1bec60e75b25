import pandas as pd
import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.entries import slugify
from lnob_helpers.groups import containment, is_group_id, read_left_behind, related
from lnob_helpers.why.models import Step2Why


def test_slugify_makes_short_ascii_ids():
    assert slugify("Équité: Land law (2019)!") == "equite-land-law-2019"
    assert len(slugify("word " * 30)) <= 40
    assert not slugify("word " * 30).endswith("-")


def test_missing_ids_are_generated_unique_and_explicit_ids_win():
    step2 = Step2Why.model_validate({"actors": [
        {"name": "Ministry of Health", "kind": "duty_bearer", "level": "national"},
        {"name": "Ministry of Health", "kind": "duty_bearer", "level": "local"},
        {"id": "ministry-of-health-2", "name": "Other", "kind": "other_actor"},
    ]})
    assert [a.id for a in step2.actors] == ["ministry-of-health", "ministry-of-health-3", "ministry-of-health-2"]


def test_group_ids_and_containment():
    assert is_group_id("area=Rural & ethnicity=Tamar") and is_group_id("all")
    assert not is_group_id("Tamar") and not is_group_id("a=") and not is_group_id("a=b & c=")
    assert not is_group_id("rural area=b")
    assert is_group_id("a=b & c")  # the label of `a` may itself hold " & "
    pairs = containment(["ethnicity=Tamar", "area=Urban", "all"], ["area=Rural & ethnicity=Tamar"])
    assert set(pairs["broad"]) == {"ethnicity=Tamar", "all"}
    rel = related(["ethnicity=Tamar"], ["ethnicity=Tamar", "area=Rural & ethnicity=Tamar", "area=Rural"])
    assert dict(zip(rel["b"], rel["relation"])) == {"ethnicity=Tamar": "same",
                                                     "area=Rural & ethnicity=Tamar": "a_contains_b"}


def test_read_left_behind_reports_row_and_column(left_behind_csv, tmp_path):
    table = read_left_behind(left_behind_csv)
    assert table["furthest_behind"].tolist() == [True, True, False, False]
    bad = pd.read_csv(left_behind_csv)
    bad.loc[2, "population_share"] = 1.5
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InputError, match=r"row 4, column `population_share`: 1.5 is out of range"):
        read_left_behind(tmp_path / "bad.csv")
    with pytest.raises(InputError, match="columns label are missing"):
        read_left_behind(bad.drop(columns="label"))
