"""``manage.py restore PATH``: put a backup back, or prove that it restores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from aunoo.backups import restore
from aunoo.backups.manifest import BackupRefused


class Command(BaseCommand):
    help = (
        "Restore both databases from a backup folder made by `manage.py backup`, "
        "after checking its manifest (files' sizes and sha256, engines, PostgreSQL "
        "major version), then apply the migrations this code has that the backup "
        "lacks. --verify restores into scratch databases instead and compares "
        "every table's row count and checksum with the manifest."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The backup folder.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace databases that already hold data.",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="Restore into scratch databases and compare; live data is untouched.",
        )

    def handle(
        self, *, path: Path, force: bool, verify: bool, verbosity: int, **options: Any
    ) -> None:
        def log(line: str) -> None:
            if verbosity >= 2:
                self.stdout.write(f"  {line}")

        try:
            checked = restore.check_backup(path)
            if verbosity >= 1:
                self.stdout.write(f"{path}: manifest and files checked")
            if verify:
                self._verify(checked, log)
            else:
                self._restore(checked, force=force, log=log, verbosity=verbosity)
        except BackupRefused as exc:
            raise CommandError(str(exc), returncode=exc.returncode) from exc

    def _warn(self, line: str) -> None:
        self.stdout.write(self.style.WARNING(line))

    def _verify(
        self, checked: restore.CheckedBackup, log: Callable[[str], None]
    ) -> None:
        differences = restore.verify(checked, log, self._warn)
        self._differences(checked, differences, "Verified")

    def _restore(
        self,
        checked: restore.CheckedBackup,
        *,
        force: bool,
        log: Callable[[str], None],
        verbosity: int,
    ) -> None:
        if not force:
            restore.refuse_if_not_empty(checked)
        newer = restore.newer_migrations(checked)
        differences = restore.restore_live(checked, log, self._warn)
        self._differences(checked, differences, "Restored")
        if newer and verbosity >= 1:
            self.stdout.write(
                f"Applying {len(newer)} migrations newer than the backup: "
                + ", ".join(newer)
            )
        call_command(
            "migrate",
            interactive=False,
            verbosity=max(verbosity - 1, 0),
            stdout=self.stdout,
            stderr=self.stderr,
        )
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(f"Restore complete from {checked.folder}")
            )

    def _differences(
        self, checked: restore.CheckedBackup, differences: list[str], done: str
    ) -> None:
        if differences:
            for line in differences:
                self.stderr.write(self.style.ERROR(line))
            raise CommandError(
                f"{len(differences)} tables differ from the backup's manifest "
                "(listed above).",
                returncode=1,
            )
        total = sum(
            table["rows"]
            for alias in restore.ENGINES
            for table in checked.tables(alias).values()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{done}: every table's row count and checksum equal the manifest's "
                f"({total:,} rows)."
            )
        )
