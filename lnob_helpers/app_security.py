"""What `lnob app` adds inside its Voilà server: a kernel cap, the page's xsrf cookie, a quiet log,
the analysis each new page opens, and a download route for the analysis's outputs.

Every page view starts a kernel of 60-290 MB, so a server without a cap can be loaded until the
machine runs out of memory. At the cap, the next page gets one plain sentence instead of a kernel.
A kernel being shut down no longer counts: moving from one page to the next closes the first
page's kernel at the moment the next one asks for its own.

Starting a kernel is also the one moment this class sees the page's request before any of the
page is sent. Voilà's page sends the `_xsrf` cookie back with its shutdown request when it
closes, but Voilà never sets that cookie (voila issue 1458), so with the xsrf check on, the
request was refused and every closed page left its kernel running until culled. Setting the
cookie here lets that request through. It is also where a page gets its analysis: the kernel's
`LNOB_ANALYSIS` is the one chosen on the start page (`app.current_analysis`), checked again here.

Tornado's log prints the URL of every refused request, and a URL carries the token; `HideToken`
keeps the token out of that log, which may end up in a file others can read.

Downloads: Voilà's own `/voila/files/` serves only files under the folder it serves
(`workbooks/`), of the types in `VoilaConfiguration.file_allowlist` (images by default), and asks
for no token; an analysis's outputs lie elsewhere. The download handler (a Voilà handler, so its
error pages use the app's frame; built with the server by `_download_handler`) serves
`/lnob/download/<analysis folder name>/<path inside its outputs/>` to whoever holds the server's
token (or its login cookie): only analyses this server may open (`app.workspace_analyses`), only
regular files whose real path lies under that analysis's `outputs/`, no hidden names, nothing
reached through `..`; always as an attachment, so the browser saves it and never runs it as a page.

`python -m lnob_helpers.app_security` runs the server: Voilà with that route put first
(`_voila_app`). Voilà is imported only there, so `lnob` and the tests import this module cheaply.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jupyter_server.base.call_context import CallContext
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import url_path_join
from tornado import web
from traitlets import Float, Int

from .app import CHOICE_ENV, DOWNLOAD_ROUTE, current_analysis, home_folder, workspace_analyses
from .notebook import ANALYSIS_ENV

BUSY = "The workbook is busy; please try again in a minute."
TOKEN_IN_URL = re.compile(r"(token=)[^&\s]+")


class CappedKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager, refusing a new kernel when `max_kernels` are live or starting."""

    max_kernels = Int(8, config=True, help="Live kernels per server: enough for a team of 4-6 "
                                           "people with a page or two open each.")
    busy_wait = Float(5.0, config=True, help="Seconds a new page waits for a kernel to end before the "
                                             "workbook says it is busy.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._starting = 0              # kernels between the cap check and their registration
        self._stopping: set[str] = set()

    def live_kernels(self) -> int:
        return len(self) + self._starting - len(self._stopping)

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        # A page someone is leaving sends its shutdown a moment after the next page asks for a
        # kernel; wait briefly for a place before calling the workbook busy.
        waited = 0.0
        while self.live_kernels() >= self.max_kernels and waited < self.busy_wait:
            await asyncio.sleep(0.1)
            waited += 0.1
        if self.live_kernels() >= self.max_kernels:
            raise web.HTTPError(503, "all %d kernels are in use", self.max_kernels, reason=BUSY)
        handler = CallContext.get(CallContext.JUPYTER_HANDLER)
        if handler is not None:
            handler.xsrf_token  # noqa: B018 - reading it sets the cookie on the page
        env, home = kwargs.get("env"), home_folder()
        if env is not None and home is not None and os.environ.get(CHOICE_ENV):
            env[ANALYSIS_ENV] = str(current_analysis(home, os.environ[CHOICE_ENV]))
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1

    async def shutdown_kernel(self, kernel_id: str, *args: Any, **kwargs: Any) -> None:
        if kernel_id in self:
            self._stopping.add(kernel_id)
        try:
            await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._stopping.discard(kernel_id)


class HideToken(logging.Filter):
    """Replace the token in a logged message (tornado logs the URL of refused and failed requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = TOKEN_IN_URL.sub(r"\1[hidden]", message), ()
        return True


def outputs_file(home: Path, name: str, path: str) -> Path | None:
    """The file `path` inside the outputs of analysis `name`, or None when it may not be served."""
    folder = workspace_analyses(home).get(name)
    parts = path.split("/")
    if folder is None or not path or any(p in ("", ".", "..") or p.startswith(".") or "\\" in p for p in parts):
        return None
    outputs = (folder / "outputs").resolve()
    try:
        target = (outputs / Path(*parts)).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):  # missing, a symlink loop, a NUL byte
        return None
    inside = outputs.is_relative_to(folder) and target.is_relative_to(outputs)
    return target if inside and target.is_file() else None


def _download_handler():
    from voila.handler import BaseVoilaHandler  # its error pages are drawn in the app's own frame

    class DownloadHandler(BaseVoilaHandler):
        """Hand over one file of an analysis's outputs, as an attachment, to a holder of the token."""

        @web.authenticated
        async def get(self, name: str, path: str) -> None:
            home = home_folder()
            target = outputs_file(home, name, path) if home is not None else None
            if target is None:
                raise web.HTTPError(404, reason="No such file to download.")
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self.set_header("Content-Type", kind)
            self.set_header("Content-Disposition", f"attachment; filename*=UTF-8''{quote(target.name)}")
            self.set_header("X-Content-Type-Options", "nosniff")
            self.set_header("Content-Security-Policy", "sandbox; default-src 'none'")
            self.set_header("Cache-Control", "no-store")
            self.finish(target.read_bytes())

    return DownloadHandler


def _voila_app():
    from voila.app import Voila

    class LnobVoila(Voila):
        """Voilà with the download route added before its own."""

        def init_handlers(self) -> list:
            route = url_path_join(self.server_url, DOWNLOAD_ROUTE, r"([^/]+)/(.+)")
            handler = (route, _download_handler(), {"voila_configuration": self.voila_configuration})
            return [handler, *super().init_handlers()]

    return LnobVoila


def main() -> None:
    _voila_app().launch_instance()


if __name__ == "__main__":
    main()
