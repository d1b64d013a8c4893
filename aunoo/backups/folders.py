"""The backup folder: dated backups, the unfinished one, retention, one run at a time.

Each backup is a folder ``aunoo-YYYYMMDDTHHMMSSZ`` of ``BACKUP_DIR``. It is
written as ``….partial`` and renamed only once its manifest is on disk, so a
folder without that suffix is always complete; a ``.partial`` one is what a
backup that stopped left behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from aunoo.backups.manifest import MANIFEST_NAME, BackupRefused

PARTIAL: Final = ".partial"
VERIFIED_NAME: Final = "verified.json"
_NAME: Final = re.compile(r"^aunoo-\d{8}T\d{6}Z(-\d+)?$")
_LOCK_NAME: Final = ".backup.lock"


@dataclass(frozen=True)
class BackupRecord:
    """A complete backup: where it is, when it was taken, when last verified."""

    path: Path
    taken_at: datetime
    verified_at: datetime | None

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or datetime.now(UTC)) - self.taken_at


def complete_backups(backup_dir: Path) -> list[Path]:
    """Complete backup folders, newest first."""
    if not backup_dir.is_dir():
        return []
    found = [
        path
        for path in backup_dir.iterdir()
        if _NAME.match(path.name) and (path / MANIFEST_NAME).is_file()
    ]
    return sorted(found, key=lambda path: path.name, reverse=True)


def record(folder: Path) -> BackupRecord | None:
    """What a backup's manifest says of it; None when the manifest is unreadable."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        taken_at = datetime.fromisoformat(manifest["created_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    verified_at = None
    try:
        marker = json.loads((folder / VERIFIED_NAME).read_text(encoding="utf-8"))
        verified_at = datetime.fromisoformat(marker["verified_at"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # never verified: the backup is still complete
    return BackupRecord(path=folder, taken_at=taken_at, verified_at=verified_at)


def new_folder(backup_dir: Path, taken_at: datetime) -> tuple[Path, Path]:
    """A fresh ``.partial`` folder and the name it will have when complete."""
    stamp = taken_at.astimezone(UTC).strftime("aunoo-%Y%m%dT%H%M%SZ")
    for number in range(1, 1000):
        name = stamp if number == 1 else f"{stamp}-{number}"
        final = backup_dir / name
        partial = backup_dir / (name + PARTIAL)
        if not final.exists() and not partial.exists():
            partial.mkdir()
            return partial, final
    raise BackupRefused(f"{backup_dir} already holds 999 backups of {stamp}.")


def complete(partial: Path, final: Path) -> None:
    partial.rename(final)
    descriptor = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)  # the rename survives a crash
    finally:
        os.close(descriptor)


def prune(backup_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` complete backups, and unfinished ones.

    Called with the lock held, so a ``.partial`` folder is never a running backup.
    """
    removed = complete_backups(backup_dir)[keep:]
    removed += [
        path
        for path in backup_dir.iterdir()
        if path.name.endswith(PARTIAL) and _NAME.match(path.name[: -len(PARTIAL)])
    ]
    for path in removed:
        shutil.rmtree(path)
    return removed


@contextmanager
def exclusive(backup_dir: Path) -> Iterator[None]:
    """Hold the backup folder's lock: one backup at a time writes there."""
    with (backup_dir / _LOCK_NAME).open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BackupRefused(
                f"Another backup is running into {backup_dir}: wait for it to "
                "finish, then run this one again."
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
