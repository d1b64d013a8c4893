"""A backup folder's manifest: what the folder holds and how to know it is whole.

``manifest.json`` records when the backup was taken, the versions of everything
that made it, each database's engine, migration state, tables with their row
counts and row checksums, and the size and sha256 of every other file in the
folder. A restore reads nothing else before it has checked all of that.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Final, TypedDict

MANIFEST_NAME: Final = "manifest.json"
FORMAT: Final = "aunoo-backup/1"
_CHUNK: Final = 1 << 20


class BackupRefused(Exception):
    """A backup cannot be made, checked or restored; the message says why."""

    def __init__(self, message: str, *, returncode: int = 1) -> None:
        super().__init__(message)
        self.returncode = returncode


class TableStats(TypedDict):
    rows: int
    checksum: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def describe_files(folder: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """Size and sha256 of each named file of ``folder``."""
    return {
        name: {
            "bytes": (folder / name).stat().st_size,
            "sha256": sha256_file(folder / name),
        }
        for name in names
    }


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    path = folder / MANIFEST_NAME
    with path.open("w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, sort_keys=True)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_manifest(folder: Path) -> dict[str, Any]:
    """The folder's manifest, or refuse naming what is wrong with it."""
    if not folder.is_dir():
        raise BackupRefused(
            f"{folder} is not a folder: pass a backup folder made by "
            "`manage.py backup` (they are in BACKUP_DIR).",
            returncode=2,
        )
    path = folder / MANIFEST_NAME
    if not path.is_file():
        raise BackupRefused(
            f"{path} does not exist: {folder} is not a complete backup. Pass a "
            "folder made by `manage.py backup` (an unfinished one ends in .partial).",
            returncode=2,
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BackupRefused(
            f"{path} is damaged ({exc}): this backup cannot be trusted; use another."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(
            f"{path} is not an aunoo backup manifest (format "
            f"{manifest.get('format') if isinstance(manifest, dict) else None!r}, "
            f"expected {FORMAT!r}): pass a folder made by `manage.py backup`."
        )
    for key in ("created_at", "databases", "files"):
        if key not in manifest:
            raise BackupRefused(f"{path} is damaged: it has no {key!r}; use another.")
    return manifest


def check_files(folder: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there, whole: size and sha256."""
    for name, entry in manifest["files"].items():
        path = folder / name
        if Path(name).name != name:
            raise BackupRefused(f"{folder / MANIFEST_NAME} names a file outside it.")
        if not path.is_file():
            raise BackupRefused(
                f"{path} is missing: this backup is incomplete; use another."
            )
        size = path.stat().st_size
        if size != entry["bytes"]:
            raise BackupRefused(
                f"{path} is truncated or damaged: {size} bytes, the manifest says "
                f"{entry['bytes']}. This backup cannot be restored; use another."
            )
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            raise BackupRefused(
                f"{path} is damaged: its sha256 is {digest}, the manifest says "
                f"{entry['sha256']}. This backup cannot be restored; use another."
            )
