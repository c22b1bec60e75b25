"""A hostile copy of the sample country: script, formula and awkward symbols in every text people write.

Issue 11: labels and texts from analysis files ran as script in report.html, and a label with
`=` broke Step 2. `hostile_copy` puts such payloads into every label and free text of a copy of
Aruvia (ids keep their patterns, so the copy stays a valid analysis), so tests can check that
the report, the exports and the app show them as text and nothing breaks or runs.
"""

from __future__ import annotations

import csv
import re
import shutil
from itertools import cycle
from pathlib import Path

import yaml

from lnob_helpers.report.build import build_report

SCRIPT = "<script>window.__pwned=(window.__pwned||0)+1</script>"
IMG = '<img src=x onerror="window.__pwned=(window.__pwned||0)+1">'
SVG = '"><svg onload="window.__pwned=1">'
JS_LINK = "[open](javascript:window.__pwned=1) <a href=\"javascript:window.__pwned=1\">javascript:window.__pwned=1</a>"
HYPERLINK = '=HYPERLINK("http://example.invalid","x")'
FORMULAS = (HYPERLINK, "+1", "-1", "@SUM(A1)")
# Symbols that have meaning to group ids, CSV, Markdown, LaTeX (matplotlib) or YAML.
SYMBOLS = "a=b & c, \"quoted\" 'single' $x$ | *star* _under_ #hash; 50%"
PAYLOADS = (SCRIPT, IMG, SVG, JS_LINK, *FORMULAS, SYMBOLS)

# The category labels people see, recoded from the sample's; each carries `=`, ` & ` or a comma.
CATEGORY_LABELS = {
    ("ethnicity", "Tamar"): f"{IMG} Tamar = \"T\" & kin, 'hill'",
    ("ethnicity", "Kesh"): f"{HYPERLINK} Kesh & co",
    ("area", "Rural"): f"{SCRIPT} Rural & remote, a=b",
    ("displacement", "Displaced"): "@SUM(A1) Displaced, \"uprooted\" = moved",
    ("region", "Islands"): "+1 Islands & reefs",
    ("region", "Delta"): "-1 Delta, $x$ & $y$",
    ("legal_identity", "Not registered"): f"{SVG} Not registered",
}

# The keys of free text in each step file; every other string (ids, group ids, enums) is kept.
TEXT_KEYS = {
    "step2_why.yaml": {"title", "manifestation", "rights", "standards", "text", "name", "claims",
                       "obligations", "contribution", "description", "note"},
    "step3_what.yaml": {"title", "description", "lead", "partners"},
    "step4_targets.yaml": {"rationale"},
    "step4_framework.yaml": {"name", "source", "responsible"},
    "step5_accountability.yaml": {"evidence", "note", "title", "location", "accessibility", "feedback_how",
                                  "notes"},
    "step5_recommendations.yaml": {"body", "text"},
    "evidence.yaml": {"finding", "citation", "group"},
}
GROUP_KEYS = {"group_ids", "priority_groups", "affected_groups", "groups", "group_id"}
_CONDITION = re.compile(r" & (?=[A-Za-z][A-Za-z0-9_]*=)")


def hostile(text: str, payloads) -> str:
    """`text` led by the next payload: formulas must start a cell to be a danger."""
    return f"{next(payloads)} {text}"


def hostile_group(group_id: str) -> str:
    """A sample group id with its categories replaced by their hostile labels."""
    parts = []
    for part in _CONDITION.split(group_id):
        circ, _, category = part.partition("=")
        parts.append(f"{circ}={CATEGORY_LABELS.get((circ, category), category)}" if category else part)
    return " & ".join(parts)


def _poison(node, keys: set[str], payloads, key: str | None = None):
    if isinstance(node, dict):
        return {k: _poison(v, keys, payloads, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_poison(v, keys, payloads, key) for v in node]
    if isinstance(node, str) and key in GROUP_KEYS:
        return hostile_group(node)
    if isinstance(node, str) and key in keys:
        return hostile(node, payloads)
    return node


def _rewrite_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump(change(data), sort_keys=False, allow_unicode=True, width=10_000),
                    encoding="utf-8")


def _analysis(data: dict, payloads) -> dict:
    data["country"]["name"] = hostile(data["country"]["name"], payloads)
    for rnd in data["rounds"]:
        rnd["label"] = hostile(rnd["label"], payloads)
    for ind in data["indicators"]:
        ind["label"] = hostile(ind["label"], payloads)
        ind["population_label"] = hostile(ind.get("population_label", "everyone"), payloads)
    for circ in data["circumstances"]:
        circ["label"] = hostile(circ["label"], payloads)
        recode = {raw: label for (cid, raw), label in CATEGORY_LABELS.items() if cid == circ["id"]}
        if recode:
            circ["recode"] = recode
            circ["categories"] = [recode.get(c, c) for c in circ["categories"]]
    return data


def _step4_targets(data: dict, payloads) -> dict:
    for target in data["targets"]:
        target["subgroup"] = CATEGORY_LABELS.get((target["dimension"], target["subgroup"]), target["subgroup"])
    return _poison(data, TEXT_KEYS["step4_targets.yaml"], payloads)


def _rewrite_csv(path: Path, text_columns: tuple[str, ...], payloads) -> None:
    """Payloads into `text_columns`; subgroups and ";"-separated group ids get the hostile labels."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    texts = {}
    for row in rows:
        if "subgroup" in row:
            row["subgroup"] = CATEGORY_LABELS.get((row["dimension"].lower(), row["subgroup"]), row["subgroup"])
        if "affected_groups" in row:
            row["affected_groups"] = ";".join(hostile_group(g) for g in row["affected_groups"].split(";"))
        for column in text_columns:
            if row[column]:  # one payload per distinct text, so a partner file's groups stay as they were
                row[column] = texts.setdefault((column, row[column]), hostile(row[column], payloads))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def hostile_copy(sample: Path, dest: Path) -> Path:
    """Copy `sample` (without outputs) to `dest` with payloads in every label and free text."""
    shutil.copytree(sample, dest, ignore=shutil.ignore_patterns("outputs", "*.bak", ".lnob"))
    payloads = cycle(PAYLOADS)
    _rewrite_yaml(dest / "analysis.yaml", lambda d: _analysis(d, payloads))
    _rewrite_yaml(dest / "step4_targets.yaml", lambda d: _step4_targets(d, payloads))
    for name, keys in TEXT_KEYS.items():
        if name != "step4_targets.yaml":
            _rewrite_yaml(dest / name, lambda d, keys=keys: _poison(d, keys, payloads))
    _rewrite_csv(dest / "partner_aggregates.csv", ("source", "indicator_name", "note"), payloads)
    _rewrite_csv(dest / "recommendations.csv", ("body", "text"), payloads)
    return dest


def built_report(base: Path, sample: Path) -> Path:
    """The hostile copy under `base` with its HTML report, built on first use (about 45 s), so the
    report, export and browser tests of one session share a single build."""
    folder = base / "hostile" / "aruvia"
    if not (folder / "outputs" / "report" / "report.html").exists():
        shutil.rmtree(folder, ignore_errors=True)
        hostile_copy(sample, folder)
        build_report(folder, formats=("html",), progress=lambda message: None)
    return folder
