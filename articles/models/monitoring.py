"""Keyword monitoring on what is stored: one scan per keyword added or changed.

A scan matches one monitored keyword against every stored article (see
``articles.stored_matches``). Its row is the job: written when the keyword is
added or changed, claimed by a worker with a row lock, and finished with its
counts in the same transaction as the matches it created. A worker that dies
leaves the row unfinished and unlocked, so the next worker runs it again.
"""

from __future__ import annotations

from django.db import models


class KeywordScan(models.Model):
    """Matching one keyword against the stored articles: pending, or done."""

    # config_app.MonitoredKeyword and KeywordGroup ids (SQLite), as plain columns.
    keyword_id = models.IntegerField()
    group_id = models.IntegerField()
    # The keyword's text when the scan was asked for: what it looks for.
    keyword = models.TextField()
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Stored articles mentioning the keyword, and the rows the scan added.
    articles_matched = models.IntegerField(null=True, blank=True)
    matches_created = models.IntegerField(null=True, blank=True)
    alerts_created = models.IntegerField(null=True, blank=True)
    # The last failure, kept so the page can say why a scan is still pending.
    error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "keyword_scans"
        indexes = [
            models.Index(fields=["keyword_id", "-requested_at"], name="idx_scans_kw"),
            models.Index(
                fields=["requested_at"],
                name="idx_scans_pending",
                condition=models.Q(finished_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"scan of “{self.keyword}” (keyword {self.keyword_id})"

    @property
    def is_done(self) -> bool:
        return self.finished_at is not None
