"""The collaborative store on a PostgreSQL server only: how it is addressed, and what people read when
the server, the database or the password is not right. The cases both databases share are in
test_store.py, run there on the same session server (tests/collab/conftest.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from lnob_helpers.cli import main
from lnob_helpers.collab.store import CollabStore
from lnob_helpers.errors import LnobError

REPO = Path(__file__).resolve().parents[2]


def _closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _said(url: str, password: str) -> str:
    """The sentence opening `url` gives, checked to be one line without `password` or SQL."""
    with pytest.raises(LnobError) as refused:
        CollabStore.open(url)
    message = str(refused.value)
    assert password not in message and "\n" not in message and "[SQL" not in message
    return message


def test_a_server_that_cannot_be_reached_is_one_sentence(tmp_path, capsys):
    secret = "hunter2-kept-secret"
    url = f"postgresql://lnob:{secret}@127.0.0.1:{_closed_port()}/lnob"
    message = _said(url, secret)
    assert message.startswith("postgresql://lnob:***@127.0.0.1:")
    assert "could not connect to the PostgreSQL server" in message
    assert main(["collab", "list", str(tmp_path), "--db", url]) != 0
    err = capsys.readouterr().err
    assert secret not in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_an_empty_database_a_wrong_password_and_a_missing_database(postgres_url):
    address = make_url(postgres_url)
    assert "no collaborative store here" in _said(postgres_url, address.password)
    wrong = address.set(password="not-the-password").render_as_string(hide_password=False)
    assert "password authentication failed" in _said(wrong, "not-the-password")
    missing = address.set(database="no_such_database").render_as_string(hide_password=False)
    assert 'database "no_such_database" does not exist' in _said(missing, address.password)


def test_a_plain_postgresql_address_uses_the_installed_driver(postgres_url, partners):
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with CollabStore.create(plain) as store:
        assert store.shown.startswith("postgresql://lnob:***@")
        assert store.add(partners.network_package).status == "added"
    with CollabStore.open(postgres_url) as again:
        assert [p.path.name for p in again.current()] == ["network.zip"]


def test_two_processes_creating_the_store_at_once(postgres_url, tmp_path):
    """The migration runs under an advisory lock: one creates the schema, the other finds it made."""
    runs = [subprocess.Popen([sys.executable, "-m", "lnob_helpers.cli", "collab", "init", str(tmp_path),
                              "--db", postgres_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=REPO) for _ in range(2)]
    results = [(run.wait(timeout=300), *run.communicate()) for run in runs]
    assert [code for code, _, _ in results] == [0, 0], [err for _, _, err in results]
    said = sorted(out.strip().split(": ", 1)[1] for _, out, _ in results)
    assert said == ["collaborative store created (schema 0001).",
                    "the collaborative store is up to date (schema 0001)."]
    assert all(make_url(postgres_url).password not in out for _, out, _ in results)
