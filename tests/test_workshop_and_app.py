"""`lnob workshop` copies and resets team folders without losing work; `lnob app`'s command line."""

from __future__ import annotations

import pytest

from lnob_helpers.app import app_environment, voila_command
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
        assert f"--port {8865 + i}" in out and f"team-0{i}: http://127.0.0.1:{8865 + i}/voila/render/index.ipynb" in out


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


def test_voila_command_is_safe_and_has_no_repeated_option():
    cmd = voila_command(8870, preheat=2)
    options = [c.split("=")[0] for c in cmd if c.startswith("--")]
    assert len(options) == len(set(options)), "a repeated option crashes Voila"
    assert "--Voila.ip=127.0.0.1" in cmd and "--port=8870" in cmd
    assert "--MappingKernelManager.cull_idle_timeout=120" in cmd
    assert "--VoilaExecutor.timeout=180" in cmd and "--VoilaConfiguration.show_tracebacks=False" in cmd
    assert "--VoilaExecutor.iopub_timeout=60" in cmd     # outputs may trail the reply under load


def test_app_environment_marks_app_mode(tmp_path):
    env = app_environment(tmp_path)
    assert env[APP_ENV] == "1" and env[ANALYSIS_ENV] == str(tmp_path) and "TQDM_DISABLE" not in env
