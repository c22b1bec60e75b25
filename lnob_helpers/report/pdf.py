"""PDF through Debian chromium's headless print-to-PDF (works offline; no downloaded browser).

The page size, margins, page numbers and landscape pages come from the report's own CSS `@page`
rules (see `paper.py`), which chromium follows; the print call adds no size of its own.
"""

from __future__ import annotations

import shutil
import ctypes
import gc
import subprocess
import tempfile
from pathlib import Path

from ..errors import LnobError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
# Printing one trusted local page needs no process isolation: one process instead of eleven. On the
# sample report it prints the same 31 pages (same text, same images) with a peak of about 0.43 GB of
# resident memory instead of 1.2 GB, which keeps a whole report within its memory budget.
PRINT_FLAGS = ["--single-process", "--no-zygote"]


def find_browser() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_browser() -> str:
    path = find_browser()
    if path is None:
        raise LnobError(
            "PDF output needs a Chromium browser, and none was found. On Debian or Ubuntu install one with "
            "`sudo apt-get install -y chromium`, or ask only for HTML with `--format html`."
        )
    return path


def _return_freed_memory() -> None:
    """Give the heap that the report's tables freed back to the system before the browser starts, so
    the two do not add up (glibc keeps freed memory otherwise; elsewhere this does nothing)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def html_to_pdf(html_path: Path, pdf_path: Path, timeout: int = 120) -> Path:
    """Print `html_path` to `pdf_path`; written to a temporary name first, then renamed."""
    browser = require_browser()
    _return_freed_memory()
    tmp = pdf_path.with_name(f".{pdf_path.name}.partial")
    with tempfile.TemporaryDirectory(prefix="lnob-chromium-") as profile:
        cmd = [browser, *CHROMIUM_FLAGS, *PRINT_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
               "--virtual-time-budget=10000", f"--print-to-pdf={tmp}", html_path.resolve().as_uri()]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise LnobError(f"the browser did not finish printing {html_path.name} within {timeout} s.") from None
        except subprocess.CalledProcessError as e:
            tail = e.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
            raise LnobError(f"the browser failed to print {html_path.name}: {tail[0]}") from None
    if not tmp.exists() or tmp.stat().st_size == 0:
        raise LnobError(f"the browser produced no PDF for {html_path.name}.")
    tmp.replace(pdf_path)
    return pdf_path
