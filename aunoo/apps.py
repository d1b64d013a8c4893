from __future__ import annotations

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AunooConfig(AppConfig):
    name = "aunoo"
    verbose_name = "aunoo project"

    def ready(self) -> None:
        from aunoo import checks  # noqa: F401  (registers the system checks)
        from aunoo.metrics import install_query_observer, register

        connection_created.connect(
            install_query_observer, dispatch_uid="aunoo.metrics.queries"
        )
        register()
