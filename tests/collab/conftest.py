"""A PostgreSQL server for the collaborative store's tests, started once per session (the two
partners they share are made in tests/conftest.py)."""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

# --- a PostgreSQL server for the store's tests ------------------------------------------------

PG_PASSWORD = "s3cret-not-shown"
PG_USER = "lnob"
_databases = itertools.count(1)


def _pg_bin() -> Path | None:
    """The newest Debian PostgreSQL's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """Debian's PostgreSQL on a free 127.0.0.1 port, as the `postgres` user when we are root (the
    server refuses to run as root), in a fresh data folder that user owns; one server per session.
    Yields (host, port); the server is stopped and its folder removed afterwards."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb); "
                    "`make test` installs them with scripts/install_postgres.sh")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="lnob-postgres-"))  # under /tmp: pytest's own folders are root's only
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the PostgreSQL server as")
        os.chown(base, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, password_file = base / "data", base / "password"
    password_file.write_text(PG_PASSWORD + "\n")
    if as_user:
        os.chown(password_file, owner.pw_uid, owner.pw_gid)
    port = _free_port()

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, text=True, cwd=base)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", PG_USER, f"--pwfile={password_file}",
            "--auth=scram-sha-256", "-E", "UTF8", "--no-sync")
        with (data / "postgresql.conf").open("a") as conf:  # loopback only, no socket file, and fast
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = ''\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 40\n")
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-t", "60", "start")
    except subprocess.CalledProcessError as err:
        log = base / "server.log"
        shutil.rmtree(base, ignore_errors=True)
        pytest.fail(f"could not start PostgreSQL from {bindir}: {err.stderr or err.stdout}"
                    + (log.read_text() if log.exists() else ""))
    try:
        yield "127.0.0.1", port
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, cwd=base)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """The address of a new, empty database on the session's server (password included)."""
    import psycopg

    host, port = postgres_server
    name = f"store_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(host=host, port=port, user=PG_USER, password=PG_PASSWORD, dbname="postgres",
                         autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://{PG_USER}:{PG_PASSWORD}@{host}:{port}/{name}"
