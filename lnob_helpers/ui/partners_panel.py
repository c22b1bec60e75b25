"""Step 1 and the partners of a data collaborative: their packages in, their figures beside ours.

The evidence tab takes partners' contribution packages (`PackageImport`): each uploaded zip is
kept unchanged under `collaborative/received/` and added to the collaborative store
(`collab.store`), which checks it whole and imports it in one transaction. The partners tab
(`PartnersView`) reads the store's current packages and shows, for the round on the page, the
survey's figure beside every partner's with its quality and an agreement flag
(`collab.triangulate`), each partner's quality assessment, and the groups, factors and
indicators nobody covers (`collab.gaps`). Everything a partner wrote is escaped on the way out.

The collab modules (SQLAlchemy, Alembic, sdmx1) load when a package arrives or the partners tab
opens, not with the page, so Step 1's first render does not wait for them.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as w
import pandas as pd

from ..collab.archive import MAX_TOTAL_BYTES
from ..config import Analysis, collab_db_url
from ..errors import InputError, LnobError
from ..yamlstore import atomic_write_bytes
from .feedback import Alerts, busy, guarded
from .words import figure, html_table, scroll_table

if TYPE_CHECKING:
    from ..collab.package import Package
    from ..collab.store import CollabStore

RECEIVED = Path("collaborative") / "received"
# the two figure columns of `Triangulation.for_people` ("Our survey", "Partner's figure") keep an interval on one line
NOWRAP_FIGURES = ("<style>.lnob-partner-figures td:nth-child(4),.lnob-partner-figures td:nth-child(7)"
                  "{white-space:nowrap}</style>")
OUR_SURVEY = "Our survey"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def received_path(folder: Path, name: str, data: bytes) -> Path:
    """Where an uploaded package is kept: under its own hash, by its name made safe for a file system."""
    stem = _UNSAFE.sub("_", name.removesuffix(".zip").removesuffix(".ZIP")).strip("._-")[:80] or "package"
    return folder / RECEIVED / hashlib.sha256(data).hexdigest()[:16] / f"{stem}.zip"


class PackageImport:
    """The upload of partners' packages, on Step 1's evidence tab; `on_added` redraws what shows them."""

    def __init__(self, analysis: Analysis, on_added: Callable[[], None]) -> None:
        self.analysis = analysis
        self.on_added = on_added
        self.alerts = Alerts()
        # a tooltip, or the browser's is "null"; room for "(2)" after the words, or they are cut off
        self.upload = w.FileUpload(accept=".zip", multiple=True, description="Add packages",
                                   tooltip="Choose the .zip files your partners sent", layout=w.Layout(width="auto"))
        self.upload.observe(self.received, "value")
        self.listing = w.HTML()
        self.widget = w.VBox([
            w.HTML("<h4>Partners' contribution packages</h4><p class='lnob-help'>A partner in your data "
                   "collaborative sends its figures as a contribution package (a .zip made with "
                   "<em>Share this analysis</em> or <code>lnob share</code>). Add it here: it is checked "
                   "whole, and its figures appear beside the survey's in the <em>Partners</em> tab.</p>"),
            self.upload, self.alerts, self.listing])
        self.widget.add_class("lnob-package-import")

    @guarded
    def received(self, change: dict) -> None:
        """Keep each uploaded zip, add it to the store, and say in one line what became of it."""
        uploads = change["new"]
        if not uploads:
            return
        try:
            said, refused = [], []
            for upload in uploads:
                try:
                    said.append(self.add(upload["name"], bytes(upload["content"])))
                except LnobError as err:
                    refused.append(str(err))
        finally:
            self.upload.value = ()
        self.draw_listing()
        if said:
            self.on_added()
        if refused:
            raise InputError("\n".join(said + refused))
        self.alerts.show("\n".join(said), "ok")

    def add(self, name: str, data: bytes) -> str:
        """One package into the store; its sentence, or LnobError with one sentence per problem."""
        if len(data) > MAX_TOTAL_BYTES:
            raise InputError(f"{name}: larger than {MAX_TOTAL_BYTES // 2**20} MB; a contribution package holds "
                             "aggregates only and is far smaller.")
        from ..collab.store import CollabStore

        path = received_path(self.analysis.folder, name, data)
        kept = path.is_file()
        if not kept:
            atomic_write_bytes(path, data)
        try:
            with CollabStore.create(collab_db_url(self.analysis.folder)) as store:
                outcome = store.add(path, self.analysis.settings.suppression)
        except LnobError as err:
            if not kept:  # a refused package leaves nothing behind
                path.unlink(missing_ok=True)
                _remove_empty(path.parent)
            raise InputError(str(err).replace(path.name, name)) from None  # the name people chose, not ours
        return outcome.sentence

    def draw_listing(self) -> None:
        """The packages the store holds, current and superseded."""
        store = open_store(self.analysis)
        if store is None:
            self.listing.value = "<p>No package has been added yet.</p>"
            return
        with store:
            listing = store.listing().to_frame()
        self.listing.value = scroll_table(listing) if len(listing) else "<p>No package has been added yet.</p>"


def current_packages(analysis: Analysis) -> list[Package]:
    """Each partner's current package in the analysis's store; none while there is no store."""
    store = open_store(analysis)
    if store is None:
        return []
    with store:
        return store.current()


def open_store(analysis: Analysis) -> CollabStore | None:
    """The analysis's collaborative store, or None while there is none (nobody has added a package)."""
    from ..collab.store import CollabStore, NoStore

    try:
        return CollabStore.open(collab_db_url(analysis.folder))
    except NoStore:
        return None


class PartnersView:
    """The partners tab: triangulation for one indicator, quality beside it, and the gaps; made when the
    tab is first opened."""

    def __init__(self, analysis: Analysis, year: Callable[[], int]) -> None:
        from ..collab.triangulate import AGREE, AGREEMENT_WORDS, DIFFER, ONE_SOURCE

        self.analysis = analysis
        self.year = year
        self.alerts = Alerts()
        style = {"description_width": "90px"}
        self.indicator = w.Dropdown(description="Indicator", layout=w.Layout(width="560px"), style=style)
        choices = [("Every figure", "")] + [(AGREEMENT_WORDS[k], k) for k in (DIFFER, AGREE, ONE_SOURCE)]
        self.agreement = w.Dropdown(description="Show", options=choices, value="",
                                    layout=w.Layout(width="360px"), style=style)
        self.crossed = w.Checkbox(value=False, description="Groups of two or three circumstances too", indent=False)
        for control in (self.indicator, self.agreement, self.crossed):
            control.observe(self.on_filter, names="value")
        self.intro = w.HTML()
        self.table = w.HTML()
        self.table.add_class("lnob-partner-figures")
        self.more = w.HTML()
        self.figure = w.Image(format="png", layout=w.Layout(max_width="100%"))
        self.triangulation = None
        self.widget = w.VBox([self.alerts, self.intro,
                              w.HBox([self.indicator, self.agreement], layout=w.Layout(flex_flow="row wrap")),
                              self.crossed, self.table, self.more, self.figure])
        self.widget.add_class("lnob-partners")

    @guarded
    def draw(self) -> None:
        """Read the store and Step 1's published figures, then draw everything."""
        from ..collab.compare import compare_with_partners
        from ..collab.quality import quality_table

        with busy(self.alerts, "Reading the partners' packages…"):
            packages = current_packages(self.analysis)
        if not packages:
            self.triangulation = None
            self.intro.value = ("<p>No partner has shared figures yet. Add their contribution packages on the "
                                "<em>Evidence</em> tab; their figures then appear here beside the survey's, with "
                                "their quality and whether they agree.</p>")
            for box in (self.table, self.more):
                box.value = ""
            self.figure.layout.display = "none"
            self.indicator.options = []
            return
        try:
            compared = compare_with_partners(self.analysis, packages, OUR_SURVEY)
        except LnobError:
            raise InputError("Step 1's tables are still being written; open this tab again in a moment.") from None
        self.triangulation, gaps = compared.triangulation, compared.gaps
        said = [*self.triangulation.sentences(), compared.elsewhere_sentence()]
        self.intro.value = ("<p>For each group, the survey's figure sits beside every partner's, with the "
                            "partner's quality and whether the two agree within their intervals.</p><ul>"
                            + "".join(f"<li>{html.escape(s)}</li>" for s in said if s) + "</ul>")
        labels = {i.id: i.label for i in self.analysis.indicators}
        shown = self.triangulation.to_frame()
        ids = list(dict.fromkeys(shown["indicator_id"]))
        keep = self.indicator.value
        self.indicator.options = [(labels.get(i) or _label_of(shown, i), i) for i in ids]
        self.indicator.value = keep if keep in ids else (ids[0] if ids else None)
        self.more.value = (
            "<h4>Quality of the partners' data</h4>" + scroll_table(quality_table(compared.packages))
            + "<h4>What nobody covers</h4><ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in gaps.sentences())
            + "</ul><h4>Groups no source covers, or only one</h4>"
            + html_table(gaps.gap_rows(), empty="Every group has figures from at least two sources.")
            + "<h4>Sources with figures on each factor</h4>" + scroll_table(gaps.by_factor())
            + "<h4>Figures by sex</h4>" + scroll_table(gaps.gender_for_people()))
        self.figure.value = figure(gaps.figure)
        self.figure.layout.display = None
        self.on_filter()

    @guarded
    def on_filter(self, _change: dict | None = None) -> None:
        if self.triangulation is None or self.indicator.value is None:
            return
        year = self.year()
        years = sorted(set(self.triangulation.to_frame()["year"]))
        chosen = [year] if year in years else years[-1:]
        table = self.triangulation.for_people(indicators=[self.indicator.value], years=chosen,
                                              agreement=self.agreement.value or None, crossed=self.crossed.value)
        note = "" if year in years else (f"<p>No source has figures for {year}; shown: {chosen[0]}.</p>"
                                         if chosen else "")
        self.table.value = NOWRAP_FIGURES + note + html_table(table, empty="No figure matches this choice.")


@dataclass(frozen=True)
class PartnersInReport:
    """What the report's Step 1 says of the partners: sentences, quality, and where figures differ."""

    sentences: list[str]
    quality: pd.DataFrame
    differing: pd.DataFrame   # `Triangulation.for_people` rows flagged "differ", for the round


def partners_in_report(analysis: Analysis, year: int) -> PartnersInReport | None:
    """The partners' part of Step 1 in the report, or None when no partner's package is in the store."""
    from ..collab.compare import compare_with_partners
    from ..collab.quality import quality_table
    from ..collab.triangulate import DIFFER

    packages = current_packages(analysis)
    if not packages:
        return None
    compared = compare_with_partners(analysis, packages, OUR_SURVEY)
    found = compared.triangulation
    said = [*found.sentences(), *compared.gaps.sentences(), compared.elsewhere_sentence()]
    return PartnersInReport([s for s in said if s], quality_table(compared.packages),
                            found.for_people(years=[year], agreement=DIFFER))


def _label_of(figures: pd.DataFrame, indicator_id: str) -> str:
    return str(figures.loc[figures["indicator_id"] == indicator_id, "indicator"].iloc[0])


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
