"""`lnob app`: serve the step notebooks as Voilà apps for one analysis folder.

The settings come from what was measured on these machines (JUPYTER_NOTES.md). The server
binds to loopback and is reachable only by whom it is for: every request needs the server's
token (Jupyter server's own token login; the printed URL carries it, and the child gets it
through its environment, never its command line, which other local users can read), and a
request whose Host is not this machine is refused (against DNS rebinding). The xsrf check stays
on: `app_security` sets the cookie that lets a closed page shut its kernel down, caps the live
kernels, and culling reclaims the kernels of pages that closed without saying so.

The execution timeout is 180 s rather than the 60 s that was enough for a bare page: under a
workshop's burst of first loads on 2 cores, the Step 1 page needs more, and the timeout only has
to catch a hung kernel reply, not a slow one. Outputs get `IOPUB_TIMEOUT` seconds to arrive after
a cell's reply. nbclient's default of 4 s is too short under a burst: in a 20-session load run
one page lost its widget outputs ("Timeout waiting for IOPub output") and never showed its
figures. Kernels stay on loopback TCP: with zmq's `ipc` transport and one socket folder, kernels
started at the same moment picked the same socket names (jupyter_client numbers them by looking
for free files), and a burst of 20 first loads failed with "Invalid Signature". Voilà keeps its
rule that the browser cannot run code.

Pages are drawn with the package's own Voilà template, `lnob` (lnob_helpers/voila/templates/lnob,
found through JUPYTER_PATH in the server's environment): Voilà's `lab` page and its error and
file-list frame, less the stylesheet links to a CDN, so that no page asks anything of the internet.

The server is Voilà with one route of ours (`python -m lnob_helpers.app_security`): `/lnob/download/...` hands
over files under an analysis's `outputs/` folder, token required. A server is started on one
analysis folder, its *home*; the landing page may switch it to an analysis made beside the home
from the "new analysis" page (listed in the home's `.lnob/analyses.txt`, so one workshop team never
reaches another's folder). The choice is a file in the server's run folder; the kernel manager
reads it each time a page starts, so pages opened after a switch work on the chosen analysis.
With `--preheat` pages are prepared before anyone asks for them, so such a server cannot switch.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from .config import ANALYSIS_FILE, load_analysis
from .errors import InputError, LnobError
from .notebook import ANALYSIS_ENV, APP_ENV, SAMPLE_ANALYSIS
from .report.execute import IOPUB_TIMEOUT, WORKBOOKS

LANDING = "index.ipynb"
HOST = "127.0.0.1"
TOKEN_FILE = Path(".lnob") / "app-token"  # inside an analysis folder; written by `lnob workshop`
TOKEN_ENV = "JUPYTER_TOKEN"               # read by Jupyter server's identity provider
KERNEL_MANAGER = "lnob_helpers.app_security.CappedKernelManager"
CULL_IDLE = 120      # seconds a kernel with no page attached may sit idle before it is shut down
START_TIMEOUT = 60   # seconds the server gets to answer on its port
STOP_GRACE = 10      # seconds Voilà gets to shut its kernels down before it is killed
TORNADO_LOGS = ("tornado.access", "tornado.general", "tornado.application")  # they print request URLs
TEMPLATE = "lnob"                              # lnob_helpers/voila/templates/lnob
TEMPLATE_ROOT = Path(__file__).resolve().parent  # a Jupyter data folder: Voilà looks in voila/templates/
HOME_ENV = "LNOB_HOME"        # the analysis folder the server was started on
CHOICE_ENV = "LNOB_CHOICE"    # the file naming the analysis new pages open; unset: the server cannot switch
CHOICE_FILE = "analysis-choice"                # in the server's run folder
REGISTRY = Path(".lnob") / "analyses.txt"      # in the home folder: analyses made beside it from the app
FOLDER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")  # the names the app gives new analysis folders
DOWNLOAD_ROUTE = "lnob/download"               # <base url>lnob/download/<analysis>/<path inside outputs>
UPLOAD_LIMIT_MB = 250                          # the largest upload (all files picked at once) a page accepts


def saved_token(folder: Path) -> str | None:
    """The token kept in an analysis folder, so that a team's URL survives a server restart."""
    path = Path(folder) / TOKEN_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


def ensure_token(folder: Path) -> str:
    """The token kept in the folder; a new one is made (readable by its owner only) if there is none."""
    kept = saved_token(folder)
    if kept:
        return kept
    path = Path(folder) / TOKEN_FILE
    path.parent.mkdir(mode=0o700, exist_ok=True)
    token = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return token


def write_server_config(run_dir: Path) -> None:
    """The settings that are not plain strings (the command line makes every value one, and the
    string "False" would turn the Host check off): refuse any Host but this machine's names, and
    keep the token out of the access log."""
    settings = {"allow_remote_access": False, "local_hostnames": ["localhost"],
                "websocket_max_message_size": UPLOAD_LIMIT_MB * 1024 * 1024}  # tornado's 10 MB stops a survey file
    logging_config = {"filters": {"hide_token": {"()": "lnob_helpers.app_security.HideToken"}},
                      "loggers": {name: {"filters": ["hide_token"]} for name in TORNADO_LOGS}}
    config = {"Voila": {"tornado_settings": settings, "logging_config": logging_config}}
    (run_dir / "voila.json").write_text(json.dumps(config), encoding="utf-8")


def voila_command(port: int, run_dir: Path, workbooks: Path = WORKBOOKS, preheat: int = 0,
                  max_kernels: int | None = None, cull_idle: int = CULL_IDLE) -> list[str]:
    """The Voilà command line; each option appears once (a repeated option crashes Voilà).

    `run_dir` holds the server's config file and kernel connection files. The token is not on the
    command line: `app_environment` passes it. `max_kernels` overrides the cap kept in
    `app_security`; tests shorten `cull_idle`.
    """
    cmd = [
        sys.executable, "-m", "lnob_helpers.app_security",  # Voilà plus the download route
        "--no-browser", f"--port={port}", f"--Voila.ip={HOST}",
        "--Voila.port_retries=0", "--Voila.auto_token=True",
        f"--Voila.config_file_paths={run_dir}", f"--Voila.connection_dir_root={run_dir}",
        f"--VoilaConfiguration.multi_kernel_manager_class={KERNEL_MANAGER}",
        "--VoilaConfiguration.extension_denylist", "jupyterlab-jupytext",
        f"--VoilaConfiguration.template={TEMPLATE}",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaExecutor.timeout=180", f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle}",
        f"--MappingKernelManager.cull_interval={max(1, cull_idle // 4)}",
        "--MappingKernelManager.cull_connected=False",
    ]
    if max_kernels is not None:
        cmd.append(f"--CappedKernelManager.max_kernels={max_kernels}")
    if preheat:
        cmd += ["--preheat_kernel=True", f"--pool_size={preheat}"]
    return [*cmd, str(workbooks)]


def app_url(port: int, token: str, notebook: str = LANDING) -> str:
    return f"http://{HOST}:{port}/voila/render/{notebook}?token={token}"


def app_environment(folder: Path, token: str, run_dir: Path | None = None) -> dict[str, str]:
    """The server's environment; with `run_dir` the server may switch analyses (see the module docstring)."""
    env = dict(os.environ)
    env[APP_ENV] = "1"
    env[ANALYSIS_ENV] = str(folder)
    env[HOME_ENV] = str(folder)
    env[TOKEN_ENV] = token
    env.pop(CHOICE_ENV, None)
    if run_dir is not None:
        env[CHOICE_ENV] = str(Path(run_dir) / CHOICE_FILE)
    # Voilà finds templates under <each Jupyter data folder>/voila/templates; ours comes first.
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, (str(TEMPLATE_ROOT), env.get("JUPYTER_PATH"))))
    env.pop("TQDM_DISABLE", None)  # progress belongs in the app
    return env


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds it
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


@dataclass
class AppServer:
    """A running Voilà server: its process (leader of its own process group) and its token."""

    process: subprocess.Popen
    port: int
    token: str
    run_dir: Path

    def url(self, notebook: str = LANDING) -> str:
        return app_url(self.port, self.token, notebook)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Wait until the port answers; False if the server exited or the time ran out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            with socket.socket() as s:
                s.settimeout(1)
                if s.connect_ex((HOST, self.port)) == 0:
                    return True
            time.sleep(0.2)
        return False

    def stop(self, grace: float = STOP_GRACE) -> None:
        """Voilà shuts its kernels down on SIGTERM; past the grace period its group is killed.

        Kernels whose server was killed exit by themselves (ipykernel watches its parent).
        """
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(grace)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):  # it may end at this very moment
                        os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait()
        finally:
            shutil.rmtree(self.run_dir, ignore_errors=True)


def launch_app(folder: str | Path, port: int = 8866, preheat: int = 0, max_kernels: int | None = None,
               cull_idle: int = CULL_IDLE) -> AppServer:
    """Start the server in the background (checked analysis first) with the folder's token or a new one."""
    analysis = load_analysis(folder)
    if max_kernels is not None and max_kernels < 1:
        raise LnobError(f"--max-kernels is {max_kernels}; expected 1 or more.")
    if not port_is_free(port):
        raise LnobError(f"port {port} is already in use on this machine; choose another with --port.")
    folder = analysis.folder.resolve()
    token = saved_token(folder) or secrets.token_urlsafe(24)
    run_dir = Path(tempfile.mkdtemp(prefix="lnob-app-"))
    write_server_config(run_dir)
    cmd = voila_command(port, run_dir, preheat=preheat, max_kernels=max_kernels, cull_idle=cull_idle)
    env = app_environment(folder, token, run_dir=None if preheat else run_dir)  # a warm page cannot follow a switch
    process = subprocess.Popen(cmd, env=env, cwd=str(WORKBOOKS), start_new_session=True)
    return AppServer(process, port, token, run_dir)


# --- the analyses one server may open ---------------------------------------------------------

def home_folder() -> Path | None:
    """The analysis folder this server (or this page's server) was started on, if any."""
    chosen = os.environ.get(HOME_ENV) or os.environ.get(ANALYSIS_ENV)
    return Path(chosen).resolve() if chosen else None


def can_make_beside(home: Path) -> bool:
    """New analyses go beside the home folder, but never beside the sample shipped with the package."""
    return Path(home).resolve() != SAMPLE_ANALYSIS.resolve()


def _sibling(home: Path, name: str) -> Path | None:
    """`<folder holding home>/<name>` when it is a real folder there (no symlink, no other place)."""
    if not FOLDER_NAME.fullmatch(name):
        return None
    folder = home.parent / name
    if folder.is_symlink() or not folder.is_dir() or folder.resolve().parent != home.parent:
        return None
    return folder.resolve()


def registered(home: Path) -> list[str]:
    """Names of the analyses made beside `home` from the app, in the order they were made."""
    path = Path(home) / REGISTRY
    try:
        return [n for n in path.read_text(encoding="utf-8").split() if FOLDER_NAME.fullmatch(n)]
    except OSError:
        return []


def workspace_analyses(home: Path) -> dict[str, Path]:
    """The analyses a server started on `home` may open, by folder name: home first, then those made beside it."""
    home = Path(home).resolve()
    found = {home.name: home}
    for name in registered(home):
        folder = _sibling(home, name)
        if folder is not None and (folder / ANALYSIS_FILE).is_file():
            found.setdefault(name, folder)
    return found


def register_analysis(home: Path, folder: Path) -> None:
    """Let a server started on `home` open `folder`, a folder beside it made by the app."""
    home, folder = Path(home).resolve(), Path(folder)
    if _sibling(home, folder.name) is None:
        raise InputError(f"'{folder.name}' is not a folder beside '{home.name}', so the app cannot open it.")
    path = home / REGISTRY
    path.parent.mkdir(mode=0o700, exist_ok=True)
    with FileLock(str(path.with_name(f".{path.name}.lock"))):
        if folder.name not in registered(home):
            with path.open("a", encoding="utf-8") as f:
                f.write(folder.name + "\n")


def current_analysis(home: Path, choice_file: str | Path | None) -> Path:
    """The analysis a new page opens: the one named in the choice file when the server may open it, else home."""
    home = Path(home).resolve()
    try:
        name = Path(choice_file).read_text(encoding="utf-8").strip() if choice_file else ""
    except OSError:
        name = ""
    return workspace_analyses(home).get(name, home)


def choose_analysis(name: str) -> Path:
    """Switch this page's server to the analysis `name`; pages opened from now on work on it."""
    home, choice = home_folder(), os.environ.get(CHOICE_ENV)
    if home is None or not choice:
        raise InputError("This server cannot switch to another analysis; start the app on it with "
                         "`lnob app <folder>`.")
    folder = workspace_analyses(home).get(name)
    if folder is None:
        raise InputError(f"'{name}' is not one of the analyses this server can open.")
    tmp = Path(choice).with_name(f".{CHOICE_FILE}.tmp")
    tmp.write_text(name + "\n", encoding="utf-8")
    tmp.replace(choice)
    return folder


def _stop_requested(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(folder: str | Path, port: int = 8866, preheat: int = 0, max_kernels: int | None = None) -> int:
    """Run the app in the foreground until the server exits, Ctrl+C or SIGTERM; then stop it all."""
    stop_signals = (signal.SIGTERM, signal.SIGINT)
    previous = {s: signal.signal(s, _stop_requested) for s in stop_signals}
    server = None
    try:
        server = launch_app(folder, port, preheat, max_kernels)
        print(f"LNOB Workbook for {Path(folder).resolve()} is starting.", flush=True)
        if not server.wait_ready():
            exited = server.process.poll() is not None
            why = "stopped before it was ready; its messages above say why" if exited else \
                f"did not answer on port {port} within {START_TIMEOUT} s"
            print(f"The app server {why}.", file=sys.stderr)
            return 1
        print(f"Open {server.url()} in a browser (Ctrl+C stops the server).", flush=True)
        return server.process.wait()
    except KeyboardInterrupt:
        print("Stopping the app server.", flush=True)
        return 0
    finally:
        for s in stop_signals:
            signal.signal(s, signal.SIG_IGN)  # a second Ctrl+C must not cut the clean-up short
        if server is not None:
            server.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
