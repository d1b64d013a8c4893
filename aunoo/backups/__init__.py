"""Backups of both databases, and restoring them (``manage.py backup`` / ``restore``).

A backup is one dated folder of ``BACKUP_DIR``: the SQLite database copied by
its online backup API, a ``pg_dump`` of the analytics database taken from the
same moment, and a manifest (see :mod:`aunoo.backups.manifest`).
:func:`last_good_backup` is what monitoring reads.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from aunoo.backups.folders import BackupRecord, complete_backups, record

__all__ = ["BackupRecord", "last_good_backup"]


def last_good_backup(backup_dir: Path | None = None) -> BackupRecord | None:
    """The newest complete backup (path, time taken, time last verified), if any.

    Cheap enough for every scrape: it reads manifests, never the backup files
    (``restore --verify`` checks those, and records when it did).
    """
    for folder in complete_backups(backup_dir or Path(settings.BACKUP_DIR)):
        found = record(folder)
        if found is not None:
            return found
    return None
