"""Furthest-behind trees: rpart's reference tree, each split type, each stopping rule, errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lnob_helpers.errors import InputError
from lnob_helpers.who.tree import MISSING_LABEL, TreeRules, aggregate_cells, grow_tree, tree_from_cells

AGE_LEVELS = ["(0,19]", "(19,39]", "(39,59]", "(59,Inf]"]


@pytest.fixture(scope="module")
def nhanes(reference_dir) -> pd.DataFrame:
    frame = pd.read_csv(reference_dir / "survey" / "nhanes.csv")
    frame["agecat"] = pd.Categorical(frame["agecat"], categories=AGE_LEVELS, ordered=True)
    return frame


@pytest.fixture(scope="module")
def nhanes_tree(nhanes):
    rules = TreeRules(min_leaf=392, min_gain=0.001, max_depth=3)
    return grow_tree(nhanes, "HI_CHOL", ["race", "agecat", "RIAGENDR"], weight="WTMEC2YR", rules=rules)


def _parse_rpart(path: Path) -> dict[int, dict]:
    """Node id -> n, deviance, categories (from the printed tree) and var, wt, yval (frame)."""
    text = path.read_text()
    nodes: dict[int, dict] = {}
    printed = re.compile(r"^\s*(\d+)\) (\S+) (\d+)\s+([\d.]+) ([\d.]+)", re.M)
    for node, split, n, dev, _ in printed.findall(text):
        entry = {"n": int(n), "deviance": float(dev), "variable": None, "categories": ()}
        if split != "root":
            variable, cats = split.split("=", 1)
            entry["variable"] = variable
            entry["categories"] = tuple(re.findall(r"\(\d+,\w+\]", cats) if variable == "agecat" else cats.split(","))
        nodes[int(node)] = entry
    framed = re.compile(r"^\d+\s+(\d+)\s+(\S+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s*$", re.M)
    for node, var, n, wt, yval in framed.findall(text):
        nodes[int(node)].update(split_on=None if var == "<leaf>" else var, wt=float(wt), yval=float(yval))
        assert nodes[int(node)]["n"] == int(n)
    return nodes


def test_reproduces_rpart_reference_tree(nhanes_tree, reference_dir):
    expected = _parse_rpart(reference_dir / "tree" / "nhanes_rpart.txt")
    assert len(expected) == 11
    got = {node.node_id: node for node in nhanes_tree.nodes}
    assert set(got) == set(expected)
    assert [nd.node_id for nd in nhanes_tree.nodes] == [1, 2, 4, 5, 3, 6, 12, 13, 7, 14, 15]
    for node_id, exp in expected.items():
        node = got[node_id]
        assert node.n == exp["n"], node_id
        assert node.weight == pytest.approx(exp["wt"], rel=1e-9, abs=0)
        assert node.rate == pytest.approx(exp["yval"], rel=1e-9, abs=0)
        assert node.deviance == pytest.approx(exp["deviance"], rel=1e-9, abs=0)
        assert node.variable == exp["variable"]
        assert node.categories == exp["categories"], node_id
        assert node.split_on == exp["split_on"]
        assert node.is_leaf == (exp["split_on"] is None)
        assert node.parent_id == (None if node_id == 1 else node_id // 2)
    assert nhanes_tree.n_rows == 7846
    assert nhanes_tree.root.share == 1.0
    assert sum(leaf.share for leaf in nhanes_tree.leaves) == pytest.approx(1.0)


def test_node_conditions_select_the_group_as_a_domain(nhanes_tree, nhanes):
    node = nhanes_tree.node(13)
    assert node.conditions == {"agecat": ("(39,59]",), "RIAGENDR": (1,)}
    assert node.path == "agecat: (39,59]; RIAGENDR: 1"
    observed = nhanes["HI_CHOL"].notna().to_numpy()
    for leaf in nhanes_tree.leaves:
        mask = nhanes_tree.node_mask(leaf.node_id, nhanes) & observed
        assert mask.sum() == leaf.n
        assert nhanes.loc[mask, "WTMEC2YR"].sum() == pytest.approx(leaf.weight, rel=1e-12)
    assert nhanes_tree.node_mask(1, nhanes).all()


def test_furthest_behind_follows_direction(nhanes):
    rules = TreeRules(min_leaf=392, min_gain=0.001, max_depth=3)
    args = (nhanes, "HI_CHOL", ["race", "agecat", "RIAGENDR"])
    adverse = grow_tree(*args, weight="WTMEC2YR", rules=rules, direction="adverse")
    favourable = grow_tree(*args, weight="WTMEC2YR", rules=rules, direction="favourable")
    assert adverse.furthest_behind.node_id == 15  # highest rate of high cholesterol
    assert adverse.furthest_ahead.node_id == 4
    assert favourable.furthest_behind.node_id == 4
    assert adverse.gap == pytest.approx(0.2104658497888 - 0.0086602673112, abs=1e-12)
    roles = adverse.to_frame().set_index("node")["role"]
    assert roles[15] == "furthest behind" and roles[4] == "furthest ahead"


def _survey(groups: dict[tuple, tuple[int, int]], columns: list[str], weight: float = 1.0) -> pd.DataFrame:
    """Rows built from {(category, ...): (rows, rows with y = 1)}."""
    rows = []
    for key, (n, yes) in groups.items():
        rows += [(*key, 1.0 if i < yes else 0.0) for i in range(n)]
    frame = pd.DataFrame(rows, columns=[*columns, "y"])
    frame["w"] = weight
    return frame


def test_nominal_circumstance_splits_into_two_sets():
    frame = _survey({("North",): (100, 90), ("East",): (100, 20), ("South",): (100, 85), ("West",): (100, 25)}, ["region"])
    tree = grow_tree(frame, "y", ["region"], weight="w", rules=TreeRules(min_leaf=10, max_depth=1))
    left, right = tree.node(2), tree.node(3)
    assert set(left.categories) == {"East", "West"}  # the lower-rate side is node 2
    assert set(right.categories) == {"North", "South"}
    assert left.rate == pytest.approx(0.225) and right.rate == pytest.approx(0.875)
    assert left.label == "region: East, West"


def test_ordered_circumstance_splits_only_at_a_threshold():
    levels = ["Poorest", "Second", "Middle", "Fourth", "Richest"]
    rates = {"Poorest": 20, "Second": 80, "Middle": 20, "Fourth": 80, "Richest": 85}
    frame = _survey({(q,): (100, rates[q]) for q in levels}, ["wealth"])
    rules = TreeRules(min_leaf=10, max_depth=1)
    ordered = grow_tree(frame, "y", ["wealth"], weight="w", rules=rules, ordered={"wealth": levels})
    assert ordered.node(2).categories == ("Poorest", "Second", "Middle")
    assert ordered.node(3).categories == ("Fourth", "Richest")
    assert ordered.node(2).label == "wealth: Poorest to Middle"
    nominal = grow_tree(frame, "y", ["wealth"], weight="w", rules=rules)
    assert set(nominal.node(2).categories) == {"Poorest", "Middle"}
    # An ordered pandas Categorical is recognised without the `ordered` argument.
    frame["wealth"] = pd.Categorical(frame["wealth"], categories=levels, ordered=True)
    assert grow_tree(frame, "y", ["wealth"], weight="w", rules=rules).node(2).categories == ordered.node(2).categories


def test_lower_rate_side_goes_left_for_ordered_splits():
    levels = ["Young", "Middle", "Old"]
    frame = _survey({("Young",): (100, 90), ("Middle",): (100, 85), ("Old",): (100, 10)}, ["age"])
    tree = grow_tree(frame, "y", ["age"], weight="w", rules=TreeRules(min_leaf=10, max_depth=1), ordered={"age": levels})
    assert tree.node(2).categories == ("Old",)
    assert tree.node(3).categories == ("Young", "Middle")


def _two_factor_frame() -> pd.DataFrame:
    groups = {
        ("Bottom 40", "Rural"): (300, 60),
        ("Bottom 40", "Urban"): (100, 50),
        ("Top 60", "Rural"): (200, 150),
        ("Top 60", "Urban"): (400, 380),
    }
    return _survey(groups, ["wealth", "area"])


def test_min_leaf_limits_child_size():
    frame = _two_factor_frame()
    grown = grow_tree(frame, "y", ["wealth", "area"], weight="w", rules=TreeRules(min_leaf=50, max_depth=3))
    assert len(grown.leaves) == 4
    assert min(leaf.n for leaf in grown.leaves) >= 50
    limited = grow_tree(frame, "y", ["wealth", "area"], weight="w", rules=TreeRules(min_leaf=101, max_depth=3))
    assert min(leaf.n for leaf in limited.leaves) >= 101
    assert 100 not in [leaf.n for leaf in limited.leaves]  # the 100-row urban poor group cannot stand alone


def test_min_split_stops_small_nodes():
    frame = _two_factor_frame()
    rules = dict(min_leaf=50, max_depth=3)
    assert len(grow_tree(frame, "y", ["wealth"], weight="w", rules=TreeRules(min_split=1001, **rules)).nodes) == 1
    assert len(grow_tree(frame, "y", ["wealth"], weight="w", rules=TreeRules(min_split=1000, **rules)).nodes) == 3
    # The first split gives children of 400 and 600 rows; only the larger may split again.
    tree = grow_tree(frame, "y", ["wealth", "area"], weight="w", rules=TreeRules(min_split=500, **rules))
    assert {nd.node_id for nd in tree.nodes} == {1, 2, 3, 6, 7}


def test_min_gain_is_rpart_cp():
    frame = _two_factor_frame()
    y, w = frame["y"].to_numpy(), frame["w"].to_numpy()
    is_poor = (frame["wealth"] == "Bottom 40").to_numpy()
    sse = lambda v: ((v - v.mean()) ** 2).sum()  # noqa: E731 - weights are 1 here
    relative_gain = (sse(y) - sse(y[is_poor]) - sse(y[~is_poor])) / sse(y)
    assert w.min() == w.max() == 1.0
    args = (frame, "y", ["wealth"])
    kept = grow_tree(*args, weight="w", rules=TreeRules(min_leaf=5, max_depth=1, min_gain=relative_gain * 0.99))
    dropped = grow_tree(*args, weight="w", rules=TreeRules(min_leaf=5, max_depth=1, min_gain=relative_gain * 1.01))
    assert len(kept.nodes) == 3 and len(dropped.nodes) == 1


def test_max_depth_counts_root_as_zero():
    frame = _two_factor_frame()
    shallow = grow_tree(frame, "y", ["wealth", "area"], weight="w", rules=TreeRules(min_leaf=5, max_depth=1))
    assert [nd.node_id for nd in shallow.nodes] == [1, 2, 3]
    deep = grow_tree(frame, "y", ["wealth", "area"], weight="w", rules=TreeRules(min_leaf=5, max_depth=2))
    assert max(nd.depth for nd in deep.nodes) == 2


def test_one_level_circumstance_never_splits_and_ties_go_to_the_first():
    frame = _two_factor_frame()
    frame["country"] = "Lao PDR"
    frame["wealth_copy"] = frame["wealth"]
    tree = grow_tree(frame, "y", ["country", "wealth_copy", "wealth", "area"], weight="w", rules=TreeRules(min_leaf=5))
    used = {nd.variable for nd in tree.nodes if nd.variable}
    assert "country" not in used
    assert "wealth_copy" in used and "wealth" not in used


def test_paths_read_as_plain_words():
    frame = _two_factor_frame()
    tree = grow_tree(frame, "y", ["wealth", "area"], weight="w", rules=TreeRules(min_leaf=5, max_depth=2),
                     names={"wealth": "Wealth", "area": "Residence"})
    assert tree.furthest_behind.path == "Bottom 40; Rural"
    assert tree.furthest_ahead.path == "Top 60; Urban"
    assert tree.gap == pytest.approx(380 / 400 - 60 / 300)


def test_missing_nominal_is_a_category_and_missing_ordered_rows_are_dropped():
    frame = _two_factor_frame()
    frame["area"] = frame["area"].astype(object)
    frame.loc[frame.index[:300], "area"] = np.nan  # the rural poor lose their area
    tree = grow_tree(frame, "y", ["area"], weight="w", rules=TreeRules(min_leaf=5, max_depth=1))
    assert tree.circumstances[0].labels[-1] == MISSING_LABEL
    assert tree.node(2).categories == (MISSING_LABEL,)
    assert tree.node(2).n == 300
    assert tree.node_mask(2, frame).sum() == 300

    frame["wealth"] = frame["wealth"].astype(object)
    frame.loc[frame.index[:50], "wealth"] = np.nan
    ordered = grow_tree(frame, "y", ["wealth"], weight="w", rules=TreeRules(min_leaf=5, max_depth=1),
                        ordered={"wealth": ["Bottom 40", "Top 60"]})
    assert ordered.n_dropped_missing == 50 and ordered.n_rows == 950
    assert ordered.node_mask(1, frame).sum() == 950


def test_rows_without_outcome_are_outside_the_population():
    frame = _two_factor_frame()
    frame.loc[frame.index[:10], "y"] = np.nan
    cells = aggregate_cells(frame, "y", ["wealth", "area"], "w")
    assert cells.n_rows == 990 and cells.n.sum() == 990
    assert len(cells.n) == 4  # one line per cell, never a row of the data
    tree = tree_from_cells(cells, outcome="y", rules=TreeRules(min_leaf=5))
    assert tree.root.n == 990


def test_all_missing_outcome_is_a_clear_error():
    frame = _two_factor_frame()
    frame["y"] = np.nan
    with pytest.raises(InputError, match=r"column `y` has no non-missing values"):
        grow_tree(frame, "y", ["wealth"], weight="w")


@pytest.mark.parametrize("bad_weight", [0.0, -2.0])
def test_zero_or_negative_weights_are_a_clear_error(bad_weight):
    frame = _two_factor_frame()
    frame.loc[3, "w"] = bad_weight
    with pytest.raises(InputError, match=r"column `w` has 1 zero, negative or infinite weights"):
        grow_tree(frame, "y", ["wealth"], weight="w")


def test_other_input_errors_name_the_place():
    frame = _two_factor_frame()
    with pytest.raises(InputError, match=r"column `region` is missing"):
        grow_tree(frame, "y", ["region"], weight="w")
    frame.loc[0, "y"] = 2
    with pytest.raises(InputError, match=r"column `y` contains 2; expected 0/1 values"):
        grow_tree(frame, "y", ["wealth"], weight="w")
    with pytest.raises(InputError, match="direction"):
        grow_tree(_two_factor_frame(), "y", ["wealth"], weight="w", direction="bad")


@pytest.mark.parametrize(
    ("field", "value"), [("min_leaf", 0), ("min_split", 1), ("min_gain", 1.5), ("max_depth", 0), ("max_depth", 11)]
)
def test_rules_are_validated(field, value):
    with pytest.raises(InputError, match=rf"^tree rules: `{field}` is {value}; expected a (whole )?number from"):
        TreeRules().replace(**{field: value})


def test_min_split_defaults_to_three_min_leaf_as_in_rpart():
    assert TreeRules(min_leaf=40).resolved().min_split == 120
    assert TreeRules(min_leaf=40, min_split=90).resolved().min_split == 90
    frame = _two_factor_frame()
    assert grow_tree(frame, "y", ["wealth"], weight="w", rules=TreeRules(min_leaf=50)).rules.min_split == 150


def test_to_frame_is_one_row_per_node(nhanes_tree):
    table = nhanes_tree.to_frame()
    assert len(table) == 11
    assert list(table.columns[:4]) == ["node", "parent", "depth", "leaf"]
    assert table["n"].sum() > 7846  # nested groups, aggregates only
    assert table.loc[table["leaf"], "share"].sum() == pytest.approx(1.0)


def _sixteen_leaf_frame() -> pd.DataFrame:
    """Four crossed binary circumstances with additive effects: a full tree of depth 4."""
    names = {
        "wealth": ("Bottom 40 per cent of households", "Top 60 per cent of households"),
        "area": ("Rural", "Urban"),
        "education": ("No or primary education only", "Secondary or higher education"),
        "children": ("Two or more children under five", "Fewer than two children under five"),
    }
    groups = {}
    for bits in np.ndindex(2, 2, 2, 2):
        key = tuple(names[col][b] for col, b in zip(names, bits))
        groups[key] = (200, int(200 * (0.1 + 0.4 * bits[0] + 0.2 * bits[1] + 0.1 * bits[2] + 0.05 * bits[3])))
    return _survey(groups, list(names))


def test_tree_diagram_has_no_overlapping_boxes():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from lnob_helpers import style
    from lnob_helpers.who.tree_plot import plot_tree

    frame = _sixteen_leaf_frame()
    tree = grow_tree(frame, "y", ["wealth", "area", "education", "children"], weight="w",
                     rules=TreeRules(min_leaf=25, min_gain=0, max_depth=4))
    assert len(tree.leaves) == 16 and max(nd.depth for nd in tree.nodes) == 4
    fig = plot_tree(tree, "Skilled birth attendance", "Synthetic data")
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    texts = [t for t in ax.texts if (t.get_gid() or "").startswith("node-")]
    assert len(texts) == len(tree.nodes) == len(ax.patches)
    text_boxes = [t.get_window_extent(renderer) for t in texts]
    patch_boxes = [p.get_window_extent(renderer) for p in ax.patches]
    for i, box in enumerate(patch_boxes):
        assert all(not box.overlaps(other) for other in patch_boxes[i + 1:])
        inner = text_boxes[i]
        assert box.x0 <= inner.x0 and inner.x1 <= box.x1 and box.y0 <= inner.y0 and inner.y1 <= box.y1
    edges = {p.get_edgecolor()[:3] for p in ax.patches}
    from matplotlib.colors import to_rgb
    assert to_rgb(style.BEHIND) in edges and to_rgb(style.AHEAD) in edges
    assert fig.texts[0].get_text() == "Skilled birth attendance"
    assert "Source: Synthetic data" in [t.get_text() for t in fig.texts]
