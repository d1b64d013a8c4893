"""Make sure an administrator account exists, without ever overwriting one."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create a superuser if none exists: from DJANGO_SUPERUSER_USERNAME, "
        "DJANGO_SUPERUSER_PASSWORD and DJANGO_SUPERUSER_EMAIL when set, otherwise "
        "'admin' with a generated password that is printed once."
    )

    def handle(self, **options: Any) -> None:
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing is not None:
            if options["verbosity"] >= 1:
                self.stdout.write(f"Admin account exists: {existing.username}")
            return
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username, email, password)
        self.stdout.write(self.style.SUCCESS(f"Created admin account {username!r}."))
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Its password, shown only this once: {password}\n"
                    "Change it at /admin/password_change/ after logging in."
                )
            )
