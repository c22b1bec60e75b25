"""The one rendering of figures and tables that the app and the report share."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lnob_helpers.render import CAUTION_MARK, MARK_KEY, SUPPRESSED_MARK, figure_png, table_html

SCRIPT = "<script>alert(1)</script>"


def _flagged() -> pd.DataFrame:
    return pd.DataFrame({
        "subgroup": ["Many", "Few", "Very few"],
        "estimate": [71.234, 60.0, np.nan],
        "ci_lb": [69.0, 45.0, np.nan],
        "ci_ub": [73.0, 72.0, np.nan],
        "n": [500, 30, 9],
        "flag": ["ok", "caution", "suppressed"],
    })


def test_every_cell_and_header_is_escaped():
    frame = pd.DataFrame({SCRIPT: [SCRIPT, "plain"], "note": ["a & b", '"quoted"']})
    page = table_html(frame)
    assert "<script>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2       # header and cell
    assert "a &amp; b" in page


def test_suppressed_rows_read_suppressed_and_caution_estimates_are_marked():
    page = table_html(_flagged(), digits=1)
    assert "<td>71.2</td>" in page and "<td>69.0</td>" in page
    assert f"<td>60.0 {CAUTION_MARK}</td>" in page
    assert "<td>45.0</td>" in page                                         # the mark goes on the estimate only
    assert page.count(f"<td>{SUPPRESSED_MARK}</td>") == 4                  # estimate, both bounds, flag
    assert "<td>9</td>" not in page and "<td>30</td>" in page and "<td>500</td>" in page  # withheld: no n
    assert MARK_KEY.split(":")[0] in page and "few cases" in page


def test_no_key_without_marks_and_a_note_for_an_empty_table():
    page = table_html(_flagged().iloc[:1])
    assert 'class="lnob-key"' not in page
    assert table_html(pd.DataFrame(), empty=f"None {SCRIPT}").endswith(
        "<em>None &lt;script&gt;alert(1)&lt;/script&gt;</em></p>")


def test_the_frame_is_left_as_it_was():
    frame = _flagged()
    table_html(frame)
    assert frame["estimate"].dtype == float and np.isnan(frame.loc[2, "estimate"])


def test_figure_png_is_a_png_and_frees_the_figure():
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.add_subplot().plot([1, 2], [3, 4])
    data = figure_png(fig)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert not plt.fignum_exists(fig.number)
    assert figure_png(Figure()).startswith(b"\x89PNG")                    # figures made without pyplot too
