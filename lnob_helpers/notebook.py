"""What every step notebook does first: resolve its parameters and decide app or report mode.

papermill injects parameters without checking them, so each notebook passes its
parameters cell through `step_context`, which turns a wrong value into one plain
sentence. `lnob app` marks the Voilà server's environment so the same notebook shows
widgets there and static figures and tables everywhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .config import Analysis, TreeSettings, load_analysis
from .errors import InputError

APP_ENV = "LNOB_APP"             # set by `lnob app` for the Voilà server and its kernels
ANALYSIS_ENV = "LNOB_ANALYSIS"   # the analysis folder the app serves
REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_ANALYSIS = REPO_ROOT / "data" / "samples" / "aruvia"


@dataclass(frozen=True)
class StepContext:
    """The validated parameters shared by all step notebooks."""

    analysis: Analysis
    mode: str  # "app" or "report"

    @property
    def is_app(self) -> bool:
        return self.mode == "app"

    @property
    def folder(self) -> Path:
        return self.analysis.folder


def resolve_folder(folder: str) -> Path:
    """The analysis folder: as given, else the app's folder, else the shipped sample."""
    chosen = folder or os.environ.get(ANALYSIS_ENV, "") or str(SAMPLE_ANALYSIS)
    path = Path(chosen).expanduser()
    if not path.is_absolute():
        # Notebooks run with workbooks/ as their working directory; accept repo-relative paths too.
        for base in (Path.cwd(), REPO_ROOT):
            if (base / path).exists():
                path = base / path
                break
    if not (path / "analysis.yaml").exists():
        raise InputError(f"parameter `analysis`: no analysis.yaml found in '{chosen}'.")
    return path.resolve()


def resolve_mode(mode: str) -> str:
    if mode not in ("auto", "app", "report"):
        raise InputError(f"parameter `mode` is '{mode}'; expected auto, app or report.")
    if mode == "auto":
        return "app" if os.environ.get(APP_ENV) else "report"
    return mode


def step_context(analysis: str = "", mode: str = "auto") -> StepContext:
    """Validate the parameters every step shares and load the analysis definition."""
    if not isinstance(analysis, str):
        raise InputError(f"parameter `analysis` must be a folder path in quotes, not {analysis!r}.")
    return StepContext(load_analysis(resolve_folder(analysis)), resolve_mode(mode))


def parse_list(value: str, allowed: list[str], name: str) -> list[str]:
    """A comma-separated parameter ("" = all) checked against the allowed ids."""
    if not isinstance(value, str):
        raise InputError(f"parameter `{name}` must be text like \"a, b\", not {value!r}.")
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [v for v in items if v not in allowed]
    if unknown:
        raise InputError(
            f"parameter `{name}`: {', '.join(repr(u) for u in unknown)} not known; "
            f"choose from {', '.join(allowed)}."
        )
    return items or list(allowed)


def check_int(value, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"parameter `{name}` is {value!r}; expected a whole number from {low} to {high}.")
    return value


def check_tree_rules(rules: TreeSettings, **values: int) -> TreeSettings:
    """analysis.yaml's tree rules with the notebook's whole-number rule parameters applied.

    0 keeps analysis.yaml's value; any other value must lie within the rule's bounds, which
    come from `TreeSettings`, so the notebook, analysis.yaml and the app's sliders agree.
    """
    changes = {
        name: check_int(value, name, *TreeSettings.bounds(name))
        for name, value in values.items() if not (type(value) is int and value == 0)
    }
    return rules.replace(**changes)
