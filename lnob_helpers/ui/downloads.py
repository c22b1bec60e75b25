"""Download links for the files a step or the report wrote under `<analysis>/outputs/`.

In the app each link points at the server's download route (`app_security.DownloadHandler`),
which checks the token and hands the file over as an attachment: the browser saves it, and the
page never carries the file itself. Outside the app there is no server to ask, so the files are
listed where they are.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import ipywidgets as w

from ..app import DOWNLOAD_ROUTE
from ..config import ANALYSIS_FILE
from ..errors import InputError
from ..notebook import APP_ENV

TABLE_SUFFIXES = (".csv", ".xlsx")
CSS = """<style>
.lnob-downloads{margin:6px 0 10px}.lnob-downloads ul{margin:4px 0;padding-left:20px}
.lnob-downloads a{font-weight:600;color:#4477AA}.lnob-downloads .size{color:#666;font-size:0.9em}
</style>"""


def step_files(folder: str | Path, step: int) -> list[Path]:
    """The tables Step `step` wrote for the analysis in `folder` (`outputs/step<N>/*.csv|*.xlsx`)."""
    where = Path(folder) / "outputs" / f"step{int(step)}"
    if not where.is_dir():
        return []
    return sorted(p for p in where.iterdir() if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES
                  and not p.name.startswith("."))


def locate(path: str | Path) -> tuple[Path, Path]:
    """(analysis folder, path inside its outputs/) of a file; InputError when it is not in an outputs folder."""
    path = Path(path).resolve()
    for parent in path.parents:
        if parent.name == "outputs" and (parent.parent / ANALYSIS_FILE).is_file():
            return parent.parent, path.relative_to(parent)
    raise InputError(f"{path.name}: only files in an analysis's outputs folder can be downloaded.")


def download_url(path: str | Path) -> str:
    """The app's address of a file under an analysis's outputs (the browser's login cookie opens it)."""
    folder, inside = locate(path)
    base = os.environ.get("VOILA_BASE_URL", "/")
    base = base if base.endswith("/") else base + "/"
    return f"{base}{DOWNLOAD_ROUTE}/{quote(folder.name, safe='')}/{quote(inside.as_posix())}"


def size_text(n: int) -> str:
    """A file size in plain words: 840 bytes, 12 KB, 3.4 MB."""
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def links_html(paths: Sequence[str | Path], label: str, in_app: bool | None = None) -> str:
    """The HTML of `offer`: a heading and one link (or, outside the app, one location) per file."""
    in_app = bool(os.environ.get(APP_ENV)) if in_app is None else in_app
    files = [(Path(p), locate(p)) for p in paths]  # every path is checked, present or not
    present = [(p, where) for p, where in files if p.is_file()]
    head = f'{CSS}<div class="lnob-downloads"><b>{html.escape(label)}</b>'
    if not present:
        return head + "<p>Nothing to download yet.</p></div>"
    items = []
    for path, (folder, inside) in present:
        size = f' <span class="size">({size_text(path.stat().st_size)})</span>'
        if in_app:
            items.append(f'<li><a href="{html.escape(download_url(path))}" download="{html.escape(path.name)}">'
                         f"{html.escape(path.name)}</a>{size}</li>")
        else:
            items.append(f"<li><code>{html.escape(str(folder / 'outputs' / inside))}</code>{size}</li>")
    return head + f"<ul>{''.join(items)}</ul></div>"


def offer(paths: Sequence[str | Path], label: str) -> w.HTML:
    """Download links for files under an analysis's `outputs/`, under the heading `label`.

    Files not written yet are left out; a path outside an outputs folder raises InputError.
    """
    box = w.HTML(links_html(paths, label))
    box.add_class("lnob-downloads-box")
    return box
