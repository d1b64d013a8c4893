"""State of the legacy migration engine (``legacy``), on ``analytics``.

Runs, checkpoints, rejected rows, the app's changes during a cut-over, conflicts,
and the rows of legacy tables this project has no model for.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models


class MigrationRun(models.Model):
    """One run of ``migrate_articles``; ``summary`` holds its per-table figures."""

    class Status(models.TextChoices):
        RUNNING = "running"
        FINISHED = "finished"
        FAILED = "failed"
        # Its process died (killed, machine restarted) before it could say so.
        INTERRUPTED = "interrupted"

    source_path = models.TextField()
    source_sha256 = models.CharField(max_length=64)
    mode = models.CharField(max_length=16)  # migrate, catch-up
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status, default=Status.RUNNING)
    # {table: {source, migrated, rejected, repaired, seconds, conversions}}
    summary = models.JSONField(default=dict, blank=True)
    # Who runs it, for the message a second run prints while this one holds the
    # run lock.
    host = models.TextField(blank=True, default="")
    pid = models.IntegerField(null=True, blank=True)

    class Meta:
        db_table = "legacy_migration_runs"
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.mode} of {self.source_path} ({self.status})"


class LegacyReject(models.Model):
    """A legacy row that could not land, with the whole row and the reason."""

    run = models.ForeignKey(
        MigrationRun, null=True, on_delete=models.SET_NULL, related_name="rejects"
    )
    source_path = models.TextField()
    table_name = models.TextField()
    legacy_rowid = models.BigIntegerField()
    legacy_key = models.TextField(null=True, blank=True)
    reason = models.TextField()
    column = models.TextField(null=True, blank=True)
    # Every legacy column; bytes that are not UTF-8 as {"base64": ...}.
    row = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "legacy_rejects"
        indexes = [
            models.Index(
                fields=["source_path", "table_name", "legacy_rowid"],
                name="idx_rejects_source_row",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} {self.legacy_key}: {self.reason}"


class LegacyCheckpoint(models.Model):
    """How far each legacy table has been copied, committed with each batch."""

    source_path = models.TextField()
    table_name = models.TextField()
    # A large table is copied by parallel streams, each over its own rowid range
    # (above start_rowid, up to end_rowid; the last range is open-ended).
    part = models.SmallIntegerField(default=0)
    start_rowid = models.BigIntegerField(default=0)
    end_rowid = models.BigIntegerField(null=True, blank=True)
    last_rowid = models.BigIntegerField(default=0)
    source_rows = models.BigIntegerField(default=0)
    migrated = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    repaired = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    # {column: {issue: count}}
    conversions = models.JSONField(default=dict, blank=True)
    completed = models.BooleanField(default=False)
    # [[name, CREATE INDEX statement]] of the secondary indexes dropped for the
    # bulk load of an empty table (part 0 only), until they are built again.
    deferred_indexes = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "legacy_checkpoints"
        constraints = [
            models.UniqueConstraint(
                fields=["source_path", "table_name", "part"],
                name="uniq_checkpoint_table_part",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} part {self.part} up to rowid {self.last_rowid}"


class LegacyAppChange(models.Model):
    """A row the app created, changed or deleted since the legacy file was synced.

    Written by a trigger on every tracked analytics table for every session but
    the migration engine's own, while a legacy file is being caught up. Catch-up
    never overwrites such a row: a legacy change to it becomes a conflict.
    """

    table_name = models.TextField()
    key = models.TextField()
    # The row as the legacy file last had it (to_jsonb of the row before the
    # first change); NULL when the app created the key.
    base = models.JSONField(null=True, blank=True)
    # application_name of the session that changed it: "aunoo" for the app.
    origin = models.TextField(blank=True, default="")
    first_changed_at = models.DateTimeField()
    changed_at = models.DateTimeField()

    class Meta:
        db_table = "legacy_app_changes"
        constraints = [
            models.UniqueConstraint(
                fields=["table_name", "key"], name="uniq_app_change_table_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} {self.key} changed in the app"


class LegacyConflict(models.Model):
    """A row changed on both sides since the last catch-up; both versions kept."""

    class Kind(models.TextChoices):
        BOTH_CHANGED = "changed on both sides"
        BOTH_CREATED = "created on both sides"
        DELETED_IN_LEGACY = "deleted in the legacy file, changed in the app"
        DELETED_IN_APP = "changed in the legacy file, deleted in the app"
        OUTSIDE = "changed in PostgreSQL outside the app"

    class Resolution(models.TextChoices):
        LEGACY = "legacy"
        APP = "app"
        # Both sides came to hold the same row again.
        SETTLED = "settled"

    run = models.ForeignKey(
        MigrationRun, null=True, on_delete=models.SET_NULL, related_name="conflicts"
    )
    source_path = models.TextField()
    table_name = models.TextField()
    key = models.TextField()
    kind = models.TextField(choices=Kind)
    columns = models.JSONField(default=list, blank=True)  # names that differ
    legacy_rowid = models.BigIntegerField(null=True, blank=True)
    # Both versions as {column: value}; NULL where that side has no row.
    legacy_row = models.JSONField(null=True, blank=True)
    app_row = models.JSONField(null=True, blank=True)
    detected_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(choices=Resolution, blank=True, default="")

    class Meta:
        db_table = "legacy_conflicts"
        constraints = [
            # One open conflict per row; resolved ones stay as the record.
            models.UniqueConstraint(
                fields=["source_path", "table_name", "key"],
                condition=models.Q(resolved_at__isnull=True),
                name="uniq_open_conflict",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} {self.key}: {self.kind}"


class LegacyArchive(models.Model):
    """A row of a legacy table this project has no model for, kept losslessly.

    A newer or customised legacy file may hold tables this project does not
    know. Their rows are not left behind: each lands here whole, so it can be
    reported, validated against the file, browsed, and written back by a
    rollback.
    """

    run = models.ForeignKey(
        MigrationRun, null=True, on_delete=models.SET_NULL, related_name="archived"
    )
    source_path = models.TextField()
    table_name = models.TextField()
    legacy_rowid = models.BigIntegerField()
    # The row's primary key as text, when its table declares one.
    legacy_key = models.TextField(null=True, blank=True)
    # Every legacy column by name: text as a string, numbers as numbers, NULL as
    # null, a BLOB as {"base64": ...} (only a BLOB becomes an object).
    row = models.JSONField()
    archived_at = models.DateTimeField()

    class Meta:
        db_table = "legacy_archive"
        verbose_name = "archived legacy row"
        constraints = [
            models.UniqueConstraint(
                fields=["source_path", "table_name", "legacy_rowid"],
                name="uniq_archive_table_rowid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} rowid {self.legacy_rowid}"


class LegacyFingerprints(models.Model):
    """Fingerprints of a block of legacy rows as the last catch-up read them.

    One row per table and block of 4,096 rowids: the next catch-up converts
    and compares only the rows whose fingerprint changed (see
    ``legacy.fingerprints``).
    """

    source_path = models.TextField()
    table_name = models.TextField()
    block = models.BigIntegerField()
    # Packed signed 64-bit integers (native order): rowids and their fingerprints.
    rowids = models.BinaryField()
    fingerprints = models.BinaryField()
    keys = ArrayField(models.TextField(null=True))

    class Meta:
        db_table = "legacy_fingerprints"
        constraints = [
            models.UniqueConstraint(
                fields=["source_path", "table_name", "block"],
                name="uniq_fingerprint_block",
            )
        ]

    def __str__(self) -> str:
        return f"{self.table_name} block {self.block}"
