"""The sample country's report in every format, built once per test session and shared by the
layout (tests/test_report_layout.py) and Word (tests/test_report_docx.py) tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from lnob_helpers.report.build import build_report
from lnob_helpers.report.pdf import find_browser


def built_sample_report(base: Path, sample: Path) -> Path:
    """`outputs/report/` of a copy of `sample` under `base`, with report.html, report.docx, tables.xlsx
    and (when chromium is there) report.pdf; built on first use (a minute or two), then reused."""
    folder = base / "report-formats" / "aruvia"
    out = folder / "outputs" / "report"
    formats = ("html", "docx", "pdf") if find_browser() else ("html", "docx")
    if not all((out / f"report.{f}").exists() for f in formats):
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(sample, folder, ignore=shutil.ignore_patterns("outputs", "*.bak", ".lnob"))
        build_report(folder, formats=formats, progress=lambda message: None)
    return out
