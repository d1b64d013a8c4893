"""WSGI entry point. Refuses to start when a database is misconfigured or down."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aunoo.settings")

application = get_wsgi_application()

from aunoo.checks import raise_on_database_errors  # noqa: E402

raise_on_database_errors()
