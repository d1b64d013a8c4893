"""Auspex, the research assistant: chats and their messages."""

from __future__ import annotations

from django.db import models

from articles.models.fields import legacy_extra_field


class AuspexChat(models.Model):
    """A conversation with Auspex about one topic."""

    topic = models.TextField()
    title = models.TextField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    # The legacy username (auth.User.username in SQLite), as the legacy app
    # keyed chats: a plain text column across databases.
    user_id = models.TextField(null=True, blank=True, db_index=True)
    metadata = models.JSONField(null=True, blank=True)
    # config_app.OrganizationalProfile id (SQLite).
    profile_id = models.IntegerField(null=True, blank=True, db_index=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "auspex_chats"

    def __str__(self) -> str:
        return self.title or f"chat {self.pk} on {self.topic}"


class AuspexMessage(models.Model):
    """One turn of a chat: the user's question, the answer, or the system prompt."""

    # An AuspexChat id, kept as a plain column rather than a foreign key: the
    # legacy file enforced its foreign keys only on some connections, and a
    # message whose chat is gone is still kept.
    chat_id = models.BigIntegerField(db_index=True)
    # The legacy CHECK (user, assistant, system) is not repeated, so a file from
    # a release with other roles still lands.
    role = models.TextField()
    content = models.TextField()
    timestamp = models.DateTimeField(null=True, blank=True)
    model_used = models.TextField(null=True, blank=True)
    tokens_used = models.IntegerField(null=True, blank=True)
    metadata = models.JSONField(null=True, blank=True)
    legacy_extra = legacy_extra_field()

    class Meta:
        db_table = "auspex_messages"
        indexes = [
            # Walked by the admin's role filter (articles.facets).
            models.Index(fields=["role"], name="idx_auspex_messages_role")
        ]

    def __str__(self) -> str:
        return f"{self.role} in chat {self.chat_id}"
