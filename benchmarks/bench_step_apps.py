"""How fast the Step 2, 3 and 5 apps open and save, on a copy of the sample country.

Step 1's table is the real one when the sample has it (outputs/step1/left_behind.csv, several
hundred groups), else the small test table. Targets: a page opens in under 2 s and a click that
saves and redraws takes under 1 s, so a workshop never waits on the app.
"""

from __future__ import annotations

import runpy
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "aruvia"


def timed(label: str, target: float, action) -> object:
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    print(f"{label:<36} {seconds:6.3f} s  (target {target} s) {'ok' if seconds <= target else 'SLOW'}")
    return result


def main() -> int:
    from lnob_helpers.config import load_analysis
    from lnob_helpers.ui.step2 import Step2Page
    from lnob_helpers.ui.step3 import Step3Page
    from lnob_helpers.ui.step5 import Step5Page

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "aruvia"
        shutil.copytree(SAMPLE, folder, ignore=shutil.ignore_patterns("persons_*", "*.bak"))
        table = folder / "outputs" / "step1" / "left_behind.csv"
        if not table.exists():
            table.parent.mkdir(parents=True, exist_ok=True)
            runpy.run_path(str(ROOT / "tests" / "fixtures_steps.py"))["LEFT_BEHIND"].to_csv(table, index=False)
        analysis = load_analysis(folder)
        print(f"left-behind groups: {sum(1 for _ in table.open()) - 1}")
        page2 = timed("open Step 2 page", 2.0, lambda: Step2Page(analysis))
        page2.cause_form["text"].value = "A cause added by the benchmark"
        timed("add a cause (save + redraw)", 1.0, page2.cause_form.button.click)
        page3 = timed("open Step 3 page", 2.0, lambda: Step3Page(analysis))
        page3.rate_form["action"].value = page3.result.step3.actions[0].id
        page3.rate_form["feasibility"].value = 4
        timed("rate an action (save + redraw)", 1.0, page3.rate_form.button.click)
        page5 = timed("open Step 5 page", 2.0, lambda: Step5Page(analysis))
        page5.rating_form["indicator"].value, page5.rating_form["rating"].value = "remedies", 3
        timed("rate a scorecard indicator", 1.0, page5.rating_form.button.click)
    return 0


if __name__ == "__main__":
    sys.exit(main())
