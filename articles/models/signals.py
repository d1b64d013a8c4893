"""Signals: articles flagged by analysts' signal instructions, and incidents."""

from __future__ import annotations

from django.db import models

from articles.models.fields import legacy_extra_field


class SignalAlert(models.Model):
    """An article a signal instruction flagged, with the model's confidence."""

    # No foreign key, as in the legacy app: an alert may outlive its article.
    article_uri = models.TextField()
    # config_app.SignalInstruction id (SQLite): a plain integer across databases.
    instruction_id = models.IntegerField(db_index=True)
    # The instruction's name when the alert was raised.
    instruction_name = models.TextField()
    confidence = models.FloatField()
    threat_level = models.TextField()
    summary = models.TextField(null=True, blank=True)
    detected_at = models.DateTimeField(null=True, blank=True)
    is_acknowledged = models.BooleanField(null=True, default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "signal_alerts"
        constraints = [
            models.UniqueConstraint(
                fields=["article_uri", "instruction_id"],
                name="uniq_signal_alert_article_instruction",
            )
        ]
        indexes = [
            # Walked by the admin's threat level filter (articles.facets).
            models.Index(fields=["threat_level"], name="idx_signal_alerts_threat")
        ]

    def __str__(self) -> str:
        return f"{self.instruction_name}: {self.article_uri}"


class IncidentStatus(models.Model):
    """What an analyst decided about an incident of a topic: active, seen, deleted."""

    incident_name = models.TextField()
    topic = models.TextField()
    status = models.TextField(default="active")
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "incident_status"
        verbose_name_plural = "incident statuses"
        constraints = [
            models.UniqueConstraint(
                fields=["incident_name", "topic"], name="uniq_incident_name_topic"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_name} ({self.topic}): {self.status}"
