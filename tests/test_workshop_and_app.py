"""`lnob workshop` copies and resets team folders without losing work or tokens; `lnob app`'s command line."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from tornado import web

from lnob_helpers.app import (TOKEN_ENV, TOKEN_FILE, AppServer, app_environment, app_url, saved_token,
                              voila_command, write_server_config)
from lnob_helpers.app_security import BUSY, CappedKernelManager, HideToken
from lnob_helpers.cli import main
from lnob_helpers.errors import LnobError
from lnob_helpers.notebook import ANALYSIS_ENV, APP_ENV
from lnob_helpers.workshop import create_teams, reset_team


def test_workshop_creates_one_copy_per_team(tmp_path, sample_dir, capsys):
    assert main(["workshop", "--teams", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for i in (1, 2, 3):
        team = tmp_path / f"team-0{i}"
        assert (team / "analysis.yaml").exists() and not (team / "outputs").exists()
        assert f"--port {8865 + i}" in out and f"team-0{i}: {app_url(8865 + i, saved_token(team))}" in out


def test_each_team_has_its_own_private_token_that_survives_a_rerun(tmp_path, sample_dir):
    teams = create_teams(tmp_path, 2)
    tokens = [saved_token(t) for t in teams]
    assert all(tokens) and tokens[0] != tokens[1] and len(tokens[0]) >= 32
    for team in teams:
        assert stat.S_IMODE((team / TOKEN_FILE).stat().st_mode) == 0o600
        assert stat.S_IMODE((team / TOKEN_FILE).parent.stat().st_mode) == 0o700
    assert [saved_token(t) for t in create_teams(tmp_path, 3)[:2]] == tokens


def test_reset_keeps_the_team_address(tmp_path, sample_dir):
    team = create_teams(tmp_path, 1)[0]
    token = saved_token(team)
    fresh, kept = reset_team(tmp_path, "1")
    assert saved_token(fresh) == token and not (kept / TOKEN_FILE).exists()
    assert stat.S_IMODE((fresh / TOKEN_FILE).stat().st_mode) == 0o600


def test_workshop_keeps_existing_team_work(tmp_path, sample_dir):
    team = create_teams(tmp_path, 1)[0]
    (team / "step2_why.yaml").write_text("# our edits\n")
    create_teams(tmp_path, 2)
    assert (team / "step2_why.yaml").read_text() == "# our edits\n"


def test_reset_restores_and_keeps_the_old_copy(tmp_path, sample_dir, capsys):
    team = create_teams(tmp_path, 2)[1]
    (team / "step2_why.yaml").write_text("# broken by the team\n")
    assert main(["workshop", "--out", str(tmp_path), "--reset", "2"]) == 0
    assert "previous copy is kept" in capsys.readouterr().out
    assert (team / "step2_why.yaml").read_text() == (sample_dir / "step2_why.yaml").read_text()
    kept = list((tmp_path / ".previous").glob("team-02-*"))
    assert len(kept) == 1 and (kept[0] / "step2_why.yaml").read_text() == "# broken by the team\n"


def test_bad_team_count_is_a_sentence(tmp_path, capsys):
    assert main(["workshop", "--teams", "0", "--out", str(tmp_path)]) == 2
    assert "needs --teams" in capsys.readouterr().err
    with pytest.raises(LnobError, match="from 1 to 99"):
        create_teams(tmp_path, 120)


def test_reset_without_workshop_folder(tmp_path):
    with pytest.raises(LnobError, match="no workshop folder"):
        reset_team(tmp_path / "none", "team-01")


def test_voila_command_is_safe_and_has_no_repeated_option(tmp_path):
    cmd = voila_command(8870, tmp_path, preheat=2, max_kernels=3)
    options = [c.split("=")[0] for c in cmd if c.startswith("--")]
    assert len(options) == len(set(options)), "a repeated option crashes Voila"
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8870" in cmd and "--Voila.port_retries=0" in cmd
    assert "--MappingKernelManager.cull_idle_timeout=120" in cmd
    assert "--VoilaExecutor.timeout=180" in cmd and "--VoilaConfiguration.show_tracebacks=False" in cmd
    assert "--VoilaExecutor.iopub_timeout=60" in cmd     # outputs may trail the reply under load
    assert "--VoilaConfiguration.multi_kernel_manager_class=lnob_helpers.app_security.CappedKernelManager" in cmd
    assert "--CappedKernelManager.max_kernels=3" in cmd
    assert "--VoilaConfiguration.template=lnob" in cmd, "Voilà's own template loads icons from a CDN"
    assert not any("xsrf" in c for c in cmd), "the xsrf check stays on"
    assert not any(o in ("--token", "--Voila.token", "--IdentityProvider.token") for o in options), \
        "other local users can read a command line; the token goes through the environment"


def test_server_config_refuses_foreign_hosts_with_typed_values(tmp_path):
    write_server_config(tmp_path)
    config = json.loads((tmp_path / "voila.json").read_text())["Voila"]
    settings = config["tornado_settings"]
    assert settings["allow_remote_access"] is False and settings["local_hostnames"] == ["localhost"]
    assert config["logging_config"]["loggers"]["tornado.access"] == {"filters": ["hide_token"]}


def test_logged_urls_do_not_show_the_token():
    record = logging.LogRecord("tornado.access", logging.ERROR, __file__, 1, "%d %s %.2fms",
                               (503, "GET /voila/render/index.ipynb?token=s3cret&x=1 (127.0.0.1)", 9.5), None)
    assert HideToken().filter(record)
    assert record.getMessage() == "503 GET /voila/render/index.ipynb?token=[hidden]&x=1 (127.0.0.1) 9.50ms"


def test_app_environment_marks_app_mode_and_carries_the_token(tmp_path):
    env = app_environment(tmp_path, "s3cret")
    assert env[APP_ENV] == "1" and env[ANALYSIS_ENV] == str(tmp_path) and "TQDM_DISABLE" not in env
    assert env[TOKEN_ENV] == "s3cret"
    # Voilà looks for the `lnob` template under each JUPYTER_PATH folder's voila/templates.
    root = Path(env["JUPYTER_PATH"].split(os.pathsep)[0])
    assert json.loads((root / "voila" / "templates" / "lnob" / "conf.json").read_text())["base_template"] == "lab"


def test_kernel_cap_refuses_with_the_plain_sentence():
    manager = CappedKernelManager(max_kernels=0)
    with pytest.raises(web.HTTPError) as refused:
        asyncio.run(manager.start_kernel())
    assert refused.value.status_code == 503 and refused.value.reason == BUSY


def test_app_on_a_busy_port_is_a_sentence(tmp_path, sample_dir, capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        assert main(["app", str(sample_dir), "--port", str(s.getsockname()[1])]) == 2
    assert "already in use" in capsys.readouterr().err


def test_a_server_that_exits_is_not_reported_ready(tmp_path):
    server = AppServer(subprocess.Popen([sys.executable, "-c", "pass"]), 9, "t", tmp_path / "run")
    assert server.wait_ready(timeout=30) is False
