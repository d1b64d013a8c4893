from __future__ import annotations

from django.apps import AppConfig


class ConfigAppConfig(AppConfig):
    name = "config_app"
    verbose_name = "Configuration (SQLite)"
