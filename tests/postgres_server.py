"""A real, throwaway PostgreSQL server for the tests: initdb + pg_ctl on a temporary folder,
listening only on a unix socket there (no TCP port, so parallel runs never collide).

``initdb`` refuses to run as root; as root (CI) the server runs as the ``postgres`` user
via ``runuser``, in a folder owned by it. :func:`find_bin` looks in
``/usr/lib/postgresql/*/bin`` (Debian) and on ``PATH``.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

SERVER_USER = "postgres"


class ServerUnavailable(RuntimeError):
    """PostgreSQL is not installed here, or would not start (the message says which)."""


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, newest version first, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(on_path)
    return Path(candidates[0]).parent if candidates else None


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServerUnavailable("running as root and runuser is missing")
    return [runuser, "-u", SERVER_USER, "--"]


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server, yield the admin URL (``postgresql://postgres@/postgres?host=DIR``),
    stop it and delete its folder at the end."""
    bindir = find_bin()
    if bindir is None:
        raise ServerUnavailable(
            "PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or on PATH); "
            "apt-get install postgresql"
        )
    prefix = _as_server_user()
    folder = Path(tempfile.mkdtemp(prefix="fanq-pg-"))
    data = folder / "data"
    log = folder / "server.log"
    if prefix:
        shutil.chown(folder, SERVER_USER, SERVER_USER)
    run = [*prefix]
    try:
        subprocess.run(
            [*run, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
             "--no-sync", "-E", "UTF8", "--locale=C"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        options = f"-k {folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off"
        started = subprocess.run(
            [*run, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options,
             "-w", "-t", "60", "start"],
            capture_output=True, text=True,
        )  # fmt: skip
        if started.returncode != 0:
            detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ServerUnavailable(f"pg_ctl start failed: {started.stderr}{detail}")
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise ServerUnavailable(f"initdb failed: {exc.stderr}") from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield f"postgresql://postgres@/postgres?host={folder}"
    finally:
        subprocess.run(
            [*run, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True, check=False,
        )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def database_url(admin_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``admin_url``."""
    return admin_url.replace("/postgres?", f"/{name}?", 1)


@contextlib.asynccontextmanager
async def fresh_database(admin_url: str) -> AsyncIterator[str]:
    """Create an empty database on the server, yield its URL, drop it afterwards."""
    import asyncpg

    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield database_url(admin_url, name)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
