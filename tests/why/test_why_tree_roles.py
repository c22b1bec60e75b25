import itertools

from lnob_helpers.why.diagnostics import step2_checklist, step2_progress
from lnob_helpers.why.models import ProblemTree, Step2Why
from lnob_helpers.why.problem_tree import layout, plot_problem_tree, tree_frame
from lnob_helpers.why.roles import capacity_gaps, role_pattern


def _big_tree() -> ProblemTree:
    causes = [{"id": f"i{i}", "text": f"Immediate cause {i}: clinics far away and transport costly for families",
               "level": "immediate"} for i in range(3)]
    causes += [{"id": f"u{j}", "text": f"Underlying cause {j}: too few trained midwives posted outside the capital city",
                "level": "underlying", "parent": f"i{j % 3}"} for j in range(5)]
    causes += [{"id": f"r{k}", "text": f"Root cause {k}: health budget allocations ignore where poor Tamar households live",
                "level": "root", "parent": f"u{k}"} for k in range(4)]
    return ProblemTree(title="Births without skilled care", manifestation="Only 28% of births have a skilled attendant.",
                       rights=["right to health"], causes=causes)


def test_layout_centres_parents_on_their_causes():
    boxes = layout(_big_tree()).set_index("node")
    assert boxes.loc["i0", "row"] == (boxes.loc["u0", "row"] + boxes.loc["u3", "row"]) / 2
    assert boxes.loc["r1", "row"] == boxes.loc["u1", "row"]
    assert boxes["column"].to_dict()["r2"] == 3 and boxes.loc["", "column"] == 0
    leaves = boxes[boxes["column"] > 0].groupby("column")["row"].apply(lambda r: r.diff().dropna().min())
    assert (leaves >= 1).all()


def test_diagram_of_twelve_causes_has_no_overlapping_text():
    tree = _big_tree()
    fig = plot_problem_tree(tree)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    texts = [t for t in ax.texts if (t.get_gid() or "").startswith("box-")]
    assert len(texts) == 13
    extents = [t.get_window_extent(renderer) for t in texts]
    for a, b in itertools.combinations(extents, 2):
        assert not a.overlaps(b)
    boxes = [p.get_window_extent(renderer) for p in ax.patches]
    for text_box in extents:
        assert any(box.x0 <= text_box.x0 and text_box.x1 <= box.x1 and box.y0 <= text_box.y0 and text_box.y1 <= box.y1
                   for box in boxes)
    assert fig.texts[-1].get_text().startswith("Source:")
    assert tree_frame(tree)["level"].value_counts().to_dict() == {"underlying": 5, "root": 4, "immediate": 3}


def test_roles_and_capacity_gaps(step2_dict):
    step2 = Step2Why.model_validate(step2_dict)
    roles = role_pattern(step2)
    assert roles["actor_id"].tolist() == ["tamar-women", "moh", "district-office"]
    assert roles["level"].tolist() == ["", "National", "Local"]
    gaps = capacity_gaps(step2)
    matrix = gaps.matrix()
    assert matrix.loc["Ministry of Health", "Resources"] == 1
    assert matrix.loc["Ministry of Health", "Knowledge and information"] == 1
    assert matrix.loc["District health office"].sum() == 0
    assert list(matrix.columns) == ["Knowledge and information", "Resources", "Authority", "Motivation or commitment",
                                    "Legal and policy framework", "Participation and voice"]
    by_actor = gaps.by_actor().set_index("actor_id")
    assert by_actor.loc["moh", "n_gaps"] == 2
    assert by_actor.loc["district-office", "gaps"] == "(none recorded yet)"


def test_step2_diagnostics_progress(step2_dict):
    step2_dict["diagnostics"] = [{"question": "root", "answer": "yes"}, {"question": "immediate", "answer": "partly"},
                                 {"question": "spatial", "answer": "not_applicable"}]
    progress = step2_progress(Step2Why.model_validate(step2_dict)).set_index("section")
    total = len(step2_checklist().question_ids())
    assert progress.loc["All sections", "questions"] == total
    assert progress.loc["All sections", "answered"] == 3
    assert progress.loc["Causes (problem trees)", "fulfilled"] == 0.75
    assert progress.loc["All sections", "fulfilled"] == 0.75
