"""ASGI entry point. Refuses to start when a database is misconfigured or down."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aunoo.settings")

application = get_asgi_application()

from aunoo.checks import raise_on_database_errors  # noqa: E402

raise_on_database_errors()
