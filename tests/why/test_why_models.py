import threading

import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.why.models import Step2Why, load_step2, save_step2
from lnob_helpers.yamlstore import dump_yaml


def test_round_trip_is_lossless_and_text_stable(tmp_path, step2_dict):
    step2_dict["diagnostics"] = [{"question": "root", "answer": "partly", "note": "two trees only"}]
    path = tmp_path / "step2_why.yaml"
    path.write_text(dump_yaml(step2_dict), encoding="utf-8")
    first = load_step2(path)
    save_step2(path, first)
    text = path.read_text(encoding="utf-8")
    second = load_step2(path)
    assert second == first
    save_step2(path, second)
    assert path.read_text(encoding="utf-8") == text
    assert (tmp_path / "step2_why.yaml.bak").exists()


def test_missing_file_is_empty_step2(tmp_path):
    assert load_step2(tmp_path / "none.yaml") == Step2Why()


def _problems(tmp_path, data):
    path = tmp_path / "step2_why.yaml"
    path.write_text(dump_yaml(data), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_step2(path)
    return err.value.problems


def test_cross_reference_problems_name_entry_and_field(tmp_path, step2_dict):
    causes = step2_dict["problem_trees"][0]["causes"]
    causes[2]["parent"] = "nowhere"
    del causes[3]["parent"]
    step2_dict["capacity_gaps"][1]["actor"] = "ministry"
    problems = _problems(tmp_path, step2_dict)
    assert len(problems) == 3
    assert all(p.startswith(str(tmp_path / "step2_why.yaml") + ": ") for p in problems)
    assert "causes[3] (id `budget-bias`): `parent` refers to `nowhere`, which is not a cause in this tree" in problems[0]
    assert "causes[4] (id `no-tamar-services`): `parent` is missing; expected the id of the underlying cause" in problems[1]
    assert "capacity_gaps[2] (id `moh-data`): `actor` refers to `ministry`" in problems[2]
    assert "`moh`" in problems[2]


def test_parent_must_be_a_level_up_and_ids_unique(tmp_path, step2_dict):
    causes = step2_dict["problem_trees"][0]["causes"]
    causes[1]["parent"] = "budget-bias"
    causes[3]["id"] = "budget-bias"
    problems = _problems(tmp_path, step2_dict)
    assert any("id `budget-bias` is used by entries 3, 4" in p for p in problems)


def test_field_errors_are_located(tmp_path, step2_dict):
    step2_dict["actors"][1].pop("level")
    step2_dict["actors"][0]["colour"] = "red"
    step2_dict["capacity_gaps"][0]["category"] = "money"
    step2_dict["priority_weights"] = {"severity": -1}
    problems = "\n".join(_problems(tmp_path, step2_dict))
    assert "`actors[1].colour` is not a known key" in problems
    assert "duty-bearer `Ministry of Health` has no `level`" in problems
    assert "`capacity_gaps[1].category`" in problems
    assert "weights severity are negative" in problems


def test_unknown_diagnostic_question_is_reported(tmp_path, step2_dict):
    step2_dict["diagnostics"] = [{"question": "nope", "answer": "yes"}]
    assert "diagnostics[1]: `question` `nope` is not in the Step 2 diagnostics" in _problems(tmp_path, step2_dict)[0]


def test_concurrent_saves_never_expose_a_broken_file(tmp_path, step2_dict):
    path = tmp_path / "step2_why.yaml"
    versions = []
    for n in range(2):
        data = dict(step2_dict, priority_groups=[f"region=Region {n}"] * 50)
        versions.append(Step2Why.model_validate(data))
    save_step2(path, versions[0])
    stop = threading.Event()
    errors = []

    def writer(version):
        while not stop.is_set():
            save_step2(path, version)

    threads = [threading.Thread(target=writer, args=(v,)) for v in versions]
    for t in threads:
        t.start()
    try:
        for _ in range(150):
            try:
                assert load_step2(path) in versions
            except Exception as exc:  # noqa: BLE001 - any failure is what we are looking for
                errors.append(exc)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
