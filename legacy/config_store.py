"""Writing configuration rows and rejects into ``default``, idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from django.db import models
from django.utils import timezone

from config_app.models import LegacyConfigReject
from legacy.config_report import Reject

Outcome = Literal["created", "updated", "unchanged"]


def _auto_timestamp_fields(model: type[models.Model]) -> set[str]:
    # auto_now/auto_now_add overwrite the value on save(); the legacy dates are
    # written afterwards with QuerySet.update(), which does not run pre_save.
    return {
        model_field.attname
        for model_field in model._meta.concrete_fields
        if getattr(model_field, "auto_now", False)
        or getattr(model_field, "auto_now_add", False)
    }


def upsert(
    model: type[models.Model], key: dict[str, Any], values: dict[str, Any]
) -> Outcome:
    """Create or update the row found by ``key`` so it holds exactly ``values``."""
    manager = model._default_manager
    existing = manager.filter(**key).values("pk", *values).first()
    if existing is None:
        created = manager.create(**values)
        restored = {
            name: values[name] for name in _auto_timestamp_fields(model) & set(values)
        }
        if restored:
            manager.filter(pk=created.pk).update(**restored)
        return "created"
    changed = {name: value for name, value in values.items() if existing[name] != value}
    if not changed:
        return "unchanged"
    manager.filter(pk=existing["pk"]).update(**changed)
    return "updated"


def store_rejects(source_path: str, rejects: Sequence[Reject]) -> None:
    """Make the file's recorded rejects exactly ``rejects``, the last import's.

    Rows fixed in the legacy file, or deleted from it, leave the record; a
    reject that is still the same is left as it was.
    """
    stored = {
        (reject.table_name, reject.legacy_rowid): reject
        for reject in LegacyConfigReject.objects.filter(source_path=source_path)
    }
    current = {(reject.table, reject.rowid): reject for reject in rejects}
    gone = [record.pk for key, record in stored.items() if key not in current]
    LegacyConfigReject.objects.filter(pk__in=gone).delete()
    now = timezone.now()
    for (table, rowid), reject in current.items():
        values = {
            "legacy_key": reject.legacy_key,
            "reason": reject.reason,
            "column": reject.column,
            "message": reject.message,
            "row": reject.row,
        }
        record = stored.get((table, rowid))
        if record is None:
            LegacyConfigReject.objects.create(
                source_path=source_path,
                table_name=table,
                legacy_rowid=rowid,
                recorded_at=now,
                **values,
            )
        elif any(getattr(record, name) != value for name, value in values.items()):
            LegacyConfigReject.objects.filter(pk=record.pk).update(
                recorded_at=now, **values
            )


def recorded_rejects(source_path: str) -> dict[str, dict[int, LegacyConfigReject]]:
    """Table -> legacy rowid -> the reject recorded for this file."""
    recorded: dict[str, dict[int, LegacyConfigReject]] = {}
    for reject in LegacyConfigReject.objects.filter(source_path=source_path):
        recorded.setdefault(reject.table_name, {})[reject.legacy_rowid] = reject
    return recorded
