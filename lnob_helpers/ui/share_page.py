""""Share this analysis": the start page's form that writes a contribution package for partners.

A data collaborative runs on partners sending each other their disaggregated figures, never their
microdata. The form asks what `lnob share` asks (who shares, the kind of source, the licence and,
for citizen-generated or administrative figures, the quality assessment), then writes the package
into `outputs/share/` through `collab.package.write_package`, which checks it as a partner's
import would, and offers it as a download. Step 1 must have run: the package holds its tables.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as w

from ..collab.aggregates import step1_tables
from ..collab.manifest import NEEDS_QUALITY, QUALITY_CRITERIA, SOURCE_TYPE_LABELS
from ..collab.package import default_package_path, read_package, write_package
from ..errors import InputError, LnobError
from .downloads import links_html
from .feedback import Alerts, guarded
from .forms import LABEL_STYLE, WIDE, Form, chosen, help_line, required, text

LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODbL-1.0")
LEVELS = (("Met", "met"), ("Partly met", "partly met"), ("Not met", "not met"), ("Not known", "not known"))


class SharePanel:
    """The form, the quality questions it shows for non-survey sources, and the package to download."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.alerts = Alerts()
        licence = w.Combobox(description="Licence", options=list(LICENCES), placeholder="e.g. CC-BY-4.0",
                             ensure_option=False, layout=WIDE, style=LABEL_STYLE)
        self.quality = {key: (w.Dropdown(description=label, options=list(LEVELS), value=None, layout=WIDE,
                                         style=LABEL_STYLE),
                              text("Why", f"One sentence: {question[0].lower()}{question[1:]}"))
                        for key, (label, question) in QUALITY_CRITERIA.items()}
        self.quality_box = w.VBox(
            [help_line("Figures that are not from a survey or census carry a quality assessment: a level and one "
                       "sentence for each question.", indent=False)]
            + [w.VBox(list(pair)) for pair in self.quality.values()])
        self.form = Form({
            "partner": text("Organisation", "e.g. Aruvia Statistics Office"),
            "contact": text("Contact", "e.g. lnob@stats.example.org"),
            "source_type": w.Dropdown(description="Kind of source", value="survey", layout=WIDE, style=LABEL_STYLE,
                                      options=[(label, key) for key, label in SOURCE_TYPE_LABELS.items()]),
            "licence": licence,
            "quality": self.quality_box,
        }, "Make the package", self.share, title="Share this analysis with partners",
            help="Partners receive Step 1's published figures (small cells withheld) in the HEAT Plus and SDMX "
                 "formats, with a manifest saying who made them and how. No row about a person leaves this "
                 "machine.")
        self.form["source_type"].observe(self._source_changed, names="value")
        self._source_changed()
        self.files = w.HTML()
        existing = sorted(default_package_path(self.folder).parent.glob("contribution_*.zip"))
        if existing:
            self.files.value = links_html(existing[-1:], "The latest package")
        self.widget = w.VBox([self.form.box, self.files])
        self.widget.add_class("lnob-share")

    def _source_changed(self, *_: object) -> None:
        needs = self.form["source_type"].value in NEEDS_QUALITY
        self.quality_box.layout.display = None if needs else "none"

    def fields(self) -> dict[str, object]:
        """The manifest fields the form holds, each checked with a sentence naming its box."""
        source = chosen(self.form["source_type"].value, "Kind of source")
        fields: dict[str, object] = {
            "partner": {"name": required(self.form["partner"].value, "Organisation"),
                        "contact": self.form["contact"].value.strip()},
            "source_type": source,
            "licence": required(self.form["licence"].value, "Licence"),
        }
        if source in NEEDS_QUALITY:
            fields["quality"] = {key: {"level": chosen(level.value, QUALITY_CRITERIA[key][0]),
                                       "note": required(note.value, f"Why ({QUALITY_CRITERIA[key][0].lower()})")}
                                 for key, (level, note) in self.quality.items()}
        return fields

    @guarded
    def share(self, form: Form) -> None:
        """Write today's package (replacing one made earlier today) and offer it."""
        fields = self.fields()
        try:
            step1_tables(self.folder / "outputs")
        except LnobError:
            raise InputError("There are no Step 1 tables to share yet: open Step 1 once, then make the "
                             "package.") from None
        path = write_package(self.folder, default_package_path(self.folder), fields, force=True)
        package = read_package(path)
        self.files.value = links_html([path], "Download the package")
        form.done(f"Made {path.name}: {len(package.aggregates):,} figures, and {len(package.withheld):,} withheld "
                  "cells named without numbers. Send it to your partners; they add it with the evidence page of "
                  "their Step 1.")
