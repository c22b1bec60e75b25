"""What `lnob app` adds inside its Voilà server: a kernel cap, the page's xsrf cookie, a quiet log.

Every page view starts a kernel of 60-290 MB, so a server without a cap can be loaded until the
machine runs out of memory. At the cap, the next page gets one plain sentence instead of a kernel.
A kernel being shut down no longer counts: moving from one page to the next closes the first
page's kernel at the moment the next one asks for its own.

Starting a kernel is also the one moment this class sees the page's request before any of the
page is sent. Voilà's page sends the `_xsrf` cookie back with its shutdown request when it
closes, but Voilà never sets that cookie (voila issue 1458), so with the xsrf check on, the
request was refused and every closed page left its kernel running until culled. Setting the
cookie here lets that request through.

Tornado's log prints the URL of every refused request, and a URL carries the token; `HideToken`
keeps the token out of that log, which may end up in a file others can read.

The Voilà server imports this module by name; it runs inside that server, not in `lnob`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from jupyter_server.base.call_context import CallContext
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Int

BUSY = "The workbook is busy; please try again in a minute."
TOKEN_IN_URL = re.compile(r"(token=)[^&\s]+")


class CappedKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager, refusing a new kernel when `max_kernels` are live or starting."""

    max_kernels = Int(8, config=True, help="Live kernels per server: enough for a team of 4-6 "
                                           "people with a page or two open each.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._starting = 0              # kernels between the cap check and their registration
        self._stopping: set[str] = set()

    def live_kernels(self) -> int:
        return len(self) + self._starting - len(self._stopping)

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:
        if self.live_kernels() >= self.max_kernels:
            raise web.HTTPError(503, "all %d kernels are in use", self.max_kernels, reason=BUSY)
        handler = CallContext.get(CallContext.JUPYTER_HANDLER)
        if handler is not None:
            handler.xsrf_token  # noqa: B018 - reading it sets the cookie on the page
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
