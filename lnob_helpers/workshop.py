"""`lnob workshop`: one copy of the sample analysis per team, and a reset that loses nothing.

Each team gets its own analysis folder and its own app server (one port each), so
teams never overwrite each other's problem trees or scorecards. A reset moves the
team's current copy aside (into `.previous/`) before restoring a fresh one.

Each team folder keeps its server's token (`.lnob/app-token`, readable by its owner only), so
the address given to a team stays valid when its server restarts or its copy is reset.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from .app import TOKEN_FILE, app_url, ensure_token
from .errors import LnobError
from .notebook import SAMPLE_ANALYSIS

IGNORE = shutil.ignore_patterns("outputs", "*.bak", ".*.tmp", ".*.lock", ".lnob", ".versions")  # never a token or old versions


def team_name(i: int) -> str:
    return f"team-{i:02d}"


def create_teams(out: str | Path, teams: int, source: Path = SAMPLE_ANALYSIS) -> list[Path]:
    """Copy the sample analysis once per team, each with its token; existing work is left untouched."""
    if not 1 <= teams <= 99:
        raise LnobError(f"--teams is {teams}; expected a number from 1 to 99.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folders = []
    for i in range(1, teams + 1):
        dst = out / team_name(i)
        if not dst.exists():
            shutil.copytree(source, dst, ignore=IGNORE)
        ensure_token(dst)
        folders.append(dst)
    return folders


def reset_team(out: str | Path, team: str, source: Path = SAMPLE_ANALYSIS) -> tuple[Path, Path | None]:
    """Restore a team's copy; the old one is kept under `.previous/` with a time stamp, the token moves over."""
    out = Path(out)
    name = team if team.startswith("team-") else team_name(int(team)) if team.isdigit() else team
    dst = out / name
    kept = None
    if dst.exists():
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        kept = out / ".previous" / f"{name}-{stamp}"
        kept.parent.mkdir(parents=True, exist_ok=True)
        dst.rename(kept)
    elif not out.exists():
        raise LnobError(f"{out}: no workshop folder here; create it with `lnob workshop --teams N --out {out}`.")
    shutil.copytree(source, dst, ignore=IGNORE)
    if kept is not None and (kept / TOKEN_FILE).exists():
        (dst / TOKEN_FILE).parent.mkdir(mode=0o700)
        (kept / TOKEN_FILE).rename(dst / TOKEN_FILE)
    ensure_token(dst)
    return dst, kept


def instructions(folders: list[Path], port_base: int = 8866) -> str:
    """What the trainer runs, and the address each team opens (its token is the key to its server)."""
    lines = ["Start one server per team (each in its own terminal, or with `&`):", ""]
    for i, folder in enumerate(folders):
        lines.append(f"  lnob app {folder.resolve()} --port {port_base + i}")
    lines += ["", "Each team opens its own address; send each one only to its team:", ""]
    for i, folder in enumerate(folders):
        lines.append(f"  {folder.name}: {app_url(port_base + i, ensure_token(folder))}")
    lines += ["", "Servers listen on this machine only (127.0.0.1); see the README's workshop section for",
              "letting laptops in through SSH tunnels. Reset a team with",
              f"`lnob workshop --out {folders[0].parent} --reset TEAM` (its work is kept in .previous/)."]
    return "\n".join(lines)
