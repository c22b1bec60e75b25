"""Building the country report from the browser, one step at a time, then files to download.

The report pipeline runs five notebooks and takes minutes, so it runs as `lnob report` in a
process of its own, watched by a thread: the page stays responsive, and the bar moves as each step
finishes. One build per analysis at a time (a lock in `outputs/report/`), since two builds on a
workshop machine would slow every team down. The finished HTML, the Word version, the PDF (when a
Chromium browser is installed) and the workbook of every step's tables are offered as downloads.
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as w
from filelock import FileLock, Timeout

from ..errors import InputError, LnobError
from ..notebook import REPO_ROOT
from ..report.execute import STEPS
from ..report.pdf import find_browser
from ..report.tables import TABLES_FILE
from .downloads import links_html
from .feedback import Alerts, guarded

REPORT_FILES = ("report.html", "report.docx", "report.pdf", TABLES_FILE)
BUILD_TIMEOUT = 1800  # seconds: five steps on a busy workshop machine take a few minutes
_STARTED = re.compile(r"\] (\d+)/(\d+) (.+?) \.\.\.$")
_FINISHED = re.compile(r"\] (\d+)/(\d+) .+ done in [\d.]+ s$")
_WRITING = re.compile(r"\] (?:writing (\S+)|printing PDF) \.\.\.$")  # the files made after the steps
WRITING_SAYS = {TABLES_FILE: "Gathering the tables into one workbook …", "report.docx": "Writing the Word version …",
                None: "Printing the PDF …"}
NO_PDF = ("There is no PDF: this machine has no Chromium browser to print one "
          "(on Debian or Ubuntu: `sudo apt-get install -y chromium`).")


def report_dir(folder: Path) -> Path:
    """Where `lnob report` puts an analysis's report by default (as `report.build.report_dir`)."""
    return Path(folder) / "outputs" / "report"


def report_files(folder: Path, since: float = 0.0) -> list[Path]:
    """The report's files that exist in `<analysis>/outputs/report/`, written at or after `since`."""
    out = report_dir(folder)
    return [out / n for n in REPORT_FILES if (out / n).is_file() and (out / n).stat().st_mtime >= since]


def report_command(folder: Path, formats: Sequence[str]) -> list[str]:
    """`lnob report` for one folder, as the page runs it."""
    return [sys.executable, "-m", "lnob_helpers.cli", "report", str(folder), "--format", ",".join(formats)]


class ReportPanel:
    """A button that builds the report in the background, a bar that moves step by step, and the files."""

    command = staticmethod(report_command)  # tests replace it with a quick stand-in
    timeout = BUILD_TIMEOUT

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.alerts = Alerts()
        self.button = w.Button(description="Build the report", button_style="primary",
                               tooltip="Run the five steps and put their results into one report")
        self.button.on_click(self.start)
        self.bar = w.IntProgress(value=0, min=0, max=len(STEPS) + 1, layout=w.Layout(width="60%", display="none"))
        self.status = w.HTML()
        self.files = w.HTML()
        self.thread: threading.Thread | None = None
        self.process: subprocess.Popen | None = None
        self.show_existing()
        help_text = w.HTML("<p>The report runs all five steps on the saved work of this analysis and puts "
                           "their tables and figures into one document. It takes a few minutes; you can go on "
                           "working on other pages meanwhile.</p>")
        self.widget = w.VBox([w.HTML("<h3>Country report</h3>"), help_text, self.button, self.bar, self.status,
                              self.alerts, self.files])
        self.widget.add_class("lnob-report-panel")

    def show_existing(self) -> None:
        files = report_files(self.folder)
        if files:
            when = time.strftime("%d %b %Y %H:%M", time.localtime(max(p.stat().st_mtime for p in files)))
            self.files.value = links_html(files, f"The latest report (built {when})")
        else:
            self.files.value = "<p>No report has been built for this analysis yet.</p>"

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    @guarded
    def start(self, button: w.Button | None = None) -> None:
        """Start a build in the background; refused while one is running for this analysis."""
        if self.running:
            raise InputError("The report is being built already; wait for the bar to reach the end.")
        out = report_dir(self.folder)
        out.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(out / ".build.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise InputError("Someone is building this analysis's report already; wait a few minutes, "
                             "then reload this page to download it.") from None
        formats = ("html", "docx", "pdf") if find_browser() else ("html", "docx")
        self.alerts.clear()
        self.bar.max = len(STEPS) + len(formats)  # the steps, then the tables, the Word version and the PDF
        self.bar.value = 0
        self.bar.bar_style = ""
        self.bar.layout.display = None
        self.button.layout.display = "none"  # back when the build ends (`guarded` re-enables a button on return)
        self.status.value = "<p>Starting …</p>"
        self.thread = threading.Thread(target=self._run, args=(lock, formats), daemon=True)
        self.thread.start()

    def _run(self, lock: FileLock, formats: tuple[str, ...]) -> None:
        """The build, in a thread: run `lnob report`, follow its lines, then offer the files."""
        started = time.time()
        try:
            error = self._follow(self.command(self.folder, formats))
            if error:
                raise LnobError(error)
            self.bar.value = self.bar.max
            self.bar.bar_style = "success"
            took = time.time() - started
            self.status.value = f"<p>The report was built in {took / 60:.1f} minutes.</p>"
            if "pdf" not in formats:
                self.alerts.show(NO_PDF, "info")
            self.files.value = links_html(report_files(self.folder, since=started - 1), "Download the report")
        except Exception as e:  # noqa: BLE001 - a thread's error would vanish; it belongs on the page
            self.bar.bar_style = "danger"
            self.status.value = ""
            message = str(e) if isinstance(e, LnobError) else "The report could not be built."
            self.alerts.show(message, "error")
        finally:
            self.button.layout.display = None
            lock.release()

    def _follow(self, cmd: list[str]) -> str:
        """Run `cmd`, moving the bar on each step it reports; the failure sentence, or ''."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                                  cwd=str(REPO_ROOT), env=env, start_new_session=True)
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the step kernels too

        timer = threading.Timer(self.timeout, stop)
        timer.start()
        failure, extra, written = "", self.bar.max - len(STEPS), 0
        try:
            for line in process.stdout:
                line = line.rstrip()
                if started := _STARTED.search(line):
                    i, n, title = int(started[1]), int(started[2]), started[3]
                    self.bar.max, self.bar.value = n + extra, i - 1
                    self._say(f"Step {i} of {n}: {title} …")
                elif finished := _FINISHED.search(line):
                    self.bar.value = int(finished[1])
                elif writing := _WRITING.search(line):
                    self.bar.value = self.bar.max - extra + written  # the steps, and the files written so far
                    written += 1
                    self._say(WRITING_SAYS.get(writing[1], f"Writing {writing[1]} …"))
                elif line.startswith("FAILED "):
                    failure = line.split(": ", 1)[-1]
                elif line.startswith("lnob report: "):
                    failure = line.removeprefix("lnob report: ")
            code = process.wait()
        finally:
            timer.cancel()
            process.stdout.close()
        if code == 0:
            return ""
        if timed_out.is_set():
            return f"The report took longer than {self.timeout // 60} minutes, so it was stopped."
        return failure or "The report could not be built."

    def _say(self, text: str) -> None:
        self.status.value = f"<p>{html.escape(text)}</p>"
