"""The column every table filled from a legacy file carries, on either database."""

from __future__ import annotations

from django.db import models

# Unmapped legacy columns and the original text of values that could not be
# converted, kept with the row so nothing from the legacy file is lost.
LEGACY_EXTRA_HELP = (
    'Legacy values with no typed home: {"unmapped": {column: value}, '
    '"unparsed": {column: original text}}.'
)


def legacy_extra_field() -> models.JSONField:
    return models.JSONField(null=True, blank=True, help_text=LEGACY_EXTRA_HELP)
