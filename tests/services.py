"""Real Redis and PostgreSQL for the integration tests, on 127.0.0.1 only.

``.ci/run`` starts both and exports ``CI_REDIS_URL`` / ``CI_POSTGRES_URL``. Without those, the
fixtures start a private server on a free port from Debian's binaries (PostgreSQL as the
``postgres`` user when run as root) and stop it after the session; with neither, the tests skip and
say which binary is missing.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen[bytes] | None, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"{what} did not start on 127.0.0.1:{port}")


def redis_binary() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None
    )


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if os.environ.get("CI_REDIS_URL"):
        yield os.environ["CI_REDIS_URL"]
        return
    binary = redis_binary()
    if binary is None:
        pytest.skip("no redis-server binary (Debian: apt-get install redis-server; .ci/run does)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="rla-redis-")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port, proc, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def postgres_bin() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A SQLAlchemy URL (without database name) of a running PostgreSQL on 127.0.0.1."""
    if os.environ.get("CI_POSTGRES_URL"):
        yield os.environ["CI_POSTGRES_URL"].rsplit("/", 1)[0]
        return
    bindir = postgres_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL binaries (Debian: apt-get install postgresql; .ci/run does)")
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run PostgreSQL as")
    workdir = Path(tempfile.mkdtemp(prefix="rla-pg-"))
    if os.geteuid() == 0:
        os.chown(workdir, user.pw_uid, user.pw_gid)
    data, port = workdir / "data", free_port()
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(_as_postgres([str(bindir / "initdb"), "-D", str(data), "-U", "rla",
                                 "--auth=trust", "--no-sync", "--encoding=UTF8"]), **run)  # fmt: skip
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                                 "-l", str(workdir / "log"), "-w", "start"]), **run)  # fmt: skip
    try:
        yield f"postgresql+psycopg://rla@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture()
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty database on that server for one test."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[dev]')")
    from sqlalchemy import create_engine, text

    name = f"rla_test_{os.urandom(4).hex()}"
    admin = create_engine(f"{postgres_server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{postgres_server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
