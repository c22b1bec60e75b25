"""Step 1 figures: what is drawn, what is only listed, and the marks on small cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from lnob_helpers import style
from lnob_helpers.who.plots import dot_plot, gap_heatmap

SOURCE = "Testland survey 2024 (round 2024)"


def _rows():
    base = {"indicator_abbr": "water", "indicator_name": "Basic water", "dimension": "Ethnicity",
            "dimension_id": "ethnicity", "setting_average": 70.0, "favourable_indicator": 1, "indicator_scale": 100}
    rows = [
        ("A", 80.0, 78, 82, 500, "ok", 0.0), ("B", 55.0, 50, 60, 300, "ok", 15.0),
        ("C", 60.0, 45, 72, 30, "caution", 10.0), ("D", np.nan, np.nan, np.nan, 9, "suppressed", np.nan),
    ]
    return pd.DataFrame([{**base, "subgroup": s, "group_id": f"ethnicity={s}", "estimate": e, "ci_lb": lo,
                          "ci_ub": hi, "n": n, "flag": f, "gap": g} for s, e, lo, hi, n, f, g in rows])


def _texts(fig):
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]


def test_dot_plot_draws_shown_groups_and_lists_suppressed_ones():
    fig = dot_plot(_rows(), "water", "ethnicity", SOURCE)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["A", "B", "C (c)"]                 # D is not drawn
    assert "Not shown (too few cases): D" in ax.get_xlabel()
    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    filled, hollow = dots
    assert len(filled.get_offsets()) == 2 and len(hollow.get_offsets()) == 1
    assert hollow.get_facecolors()[0][:3] == pytest.approx((1.0, 1.0, 1.0))   # caution: hollow
    texts = _texts(fig)
    assert any(t.startswith("Basic water by ethnicity") for t in texts)
    assert f"Source: {SOURCE}" in texts
    assert any(line.get_xdata()[0] == 70.0 for line in ax.get_lines())        # national line


def test_heatmap_marks_suppressed_and_caution_cells_and_harmonises_direction():
    cells = _rows()
    stunting = cells.assign(indicator_abbr="stunting", favourable_indicator=0, gap=[-5.0, 20.0, 3.0, np.nan])
    fig = gap_heatmap(pd.concat([cells, stunting]), SOURCE)
    ax = fig.axes[0]
    marks = [t.get_text() for t in ax.texts]
    assert marks.count("s") == 2 and marks.count("c") == 2
    image = ax.images[0]
    # B is behind on both indicators (gap > 0): both cells take the same "behind" (red) end of the map.
    rgba = image.cmap(image.norm(image.get_array()))
    b_water, b_stunting = rgba[0, 1], rgba[1, 1]
    assert b_water[0] > b_water[2] and b_stunting[0] > b_stunting[2]
    assert image.cmap.name == style.DIVERGING_CMAP
    assert f"Source: {SOURCE}" in _texts(fig)
