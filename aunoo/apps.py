from __future__ import annotations

from django.apps import AppConfig


class AunooConfig(AppConfig):
    name = "aunoo"
    verbose_name = "aunoo project"

    def ready(self) -> None:
        from aunoo import checks  # noqa: F401  (registers the system checks)
